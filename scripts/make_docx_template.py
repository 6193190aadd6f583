"""Regenerate the reference 公文 template gidr_xl/data/docx/gongwen.docx (reproducible).

Run from the checkout: ``python scripts/make_docx_template.py``. The output is checked in;
tests/test_compile.py fails when it differs from what this script writes.
"""

from __future__ import annotations

from gidr_xl.outputs.docx.template import write_template
from gidr_xl.resources import data_path

if __name__ == "__main__":
    print(write_template(data_path("docx") / "gongwen.docx"))
