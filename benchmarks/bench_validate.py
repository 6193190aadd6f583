"""Validation of the Jianghai sample vs. recomputing the same workbook with `formulas`.

Baseline = what a checker that trusts no cached value would otherwise do: load the workbook
into a formulas ExcelModel and calculate every check formula. Target: ≥ 20× faster, < 50 ms.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")

import formulas

from benchmarks.common import median_seconds, report
from gidr_xl.reader.workbook import read_report
from gidr_xl.samples import load_sample
from gidr_xl.template.writer import write_workbook
from gidr_xl.validate.validator import validate


def run() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        spec, values = load_sample("jianghai-2019")
        path = write_workbook(spec, Path(tmp) / "jianghai-2019.xlsx", values=values)
        ours = median_seconds(lambda: validate(read_report(path)), repeat=30)
        base = median_seconds(
            lambda: formulas.ExcelModel().loads(str(path)).finish().calculate(), repeat=3, warmup=0
        )
    report(
        "validate (read + all rules) vs formulas load + calculate", ours, base, "formulas", "≥ 20×, < 50 ms"
    )
    return ours, base


if __name__ == "__main__":
    run()
