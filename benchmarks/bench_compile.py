"""Compiling the Jianghai sample to .docx vs. a naive python-docx build of the same tables.

Baseline = the obvious python-docx code: ``table.cell(r, c).merge(...)`` for every span and
``table.cell(r, c).text = ...`` for every cell (python-docx recomputes the grid on each call).
Target: under 150 ms per report.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import docx

from benchmarks.common import median_seconds, report
from gidr_xl.outputs.document import Document, Table, build_document
from gidr_xl.outputs.docx.writer import write_docx
from gidr_xl.report import Report
from gidr_xl.samples import load_sample


def naive_docx(document: Document, path: Path) -> None:
    out = docx.Document()
    out.add_heading(document.title, 0)
    for section in document.sections:
        out.add_heading(section.heading, 1)
        for block in section.blocks:
            if isinstance(block, Table):
                table = out.add_table(rows=block.n_rows, cols=block.n_cols)
                for cell in block.cells:
                    a = table.cell(cell.row, cell.col)
                    if cell.rowspan > 1 or cell.colspan > 1:
                        a = a.merge(table.cell(cell.row + cell.rowspan - 1, cell.col + cell.colspan - 1))
                    a.text = cell.text
            else:
                out.add_paragraph(block.text)
    out.save(str(path))


def run() -> tuple[float, float]:
    spec, values = load_sample("jianghai-2019")
    report_ = Report(spec, values)
    with tempfile.TemporaryDirectory() as tmp:
        ours = median_seconds(lambda: write_docx(build_document(report_), Path(tmp) / "ours.docx"), repeat=15)
        base = median_seconds(lambda: naive_docx(build_document(report_), Path(tmp) / "naive.docx"), repeat=3)
    report(
        "compile to .docx (document model + GB/T 9704 writer) vs naive table.cell() build",
        ours,
        base,
        "naive   ",
        "< 150 ms",
    )
    return ours, base


if __name__ == "__main__":
    run()
