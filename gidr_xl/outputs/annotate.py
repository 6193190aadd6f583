"""Validate a workbook through the access layer and mark the findings in it.

Marks: a fill and a note on each finding's cell, and a 校验结果 sheet with one row per finding
(hyperlinked to the cell) under a summary line. Marks of the previous run are cleared first;
cell values are never touched.
"""

from __future__ import annotations

import datetime as dt

from gidr_xl.access import RGB, BookAccess
from gidr_xl.model import Severity
from gidr_xl.reader.workbook import META_EXTENT, extent, read_meta, report_from_cells, spec_of
from gidr_xl.report import Report
from gidr_xl.spec.addresses import quote_sheet
from gidr_xl.validate.findings import Finding
from gidr_xl.validate.validator import Result, validate
from gidr_xl.values import display

RESULT_SHEET = "校验结果"
RESULT_HEADER = ["级别", "规则", "说明", "单元格", "依据"]
REF_COLUMN = "D"  # where the marked cells are listed (read back to clear them next time)
FIRST_FINDING_ROW = 3
MAX_REMEMBERED = 5000
#: Pale yellow of input cells in the generated template (restored when a mark is cleared).
INPUT_RGB: RGB = (0xFF, 0xF9, 0xDB)
LABEL_RGB: RGB = (0xED, 0xED, 0xED)
MARK_RGB: dict[Severity, RGB] = {Severity.ERROR: (0xFF, 0xC7, 0xCE), Severity.WARNING: (0xFF, 0xEB, 0x9C)}


def read_book(book: BookAccess) -> Report:
    """Read the workbook through ``book`` (one bulk read per sheet)."""
    meta_cells = book.read(META_EXTENT)
    spec = spec_of(read_meta(meta_cells, book.source), book.source)
    grid = book.read(extent(spec))
    return report_from_cells(meta_cells, grid, book.sheet_names(), book.source)


def validate_book(book: BookAccess, prior: Report | None = None) -> Result:
    """Read the workbook through ``book`` and validate it (against last year's, if given)."""
    return validate(read_book(book), prior)


def _split(ref: str) -> tuple[str, str]:
    sheet, _, address = ref.rpartition("!")
    return sheet, address


def _note(findings: list[Finding]) -> str:
    parts = []
    for f in findings:
        text = f"[{f.instance or f.code}] {f.message}"
        if f.expected is not None:
            text += f"\n应为 {display(f.expected)}（当前为 {display(f.actual)}）"
        parts.append(text)
    return "\n\n".join(parts)


def clear_previous_marks(book: BookAccess, input_refs: set[str]) -> int:
    """Restore fill and remove notes of the cells the previous run marked."""
    listed = book.read_column(RESULT_SHEET, REF_COLUMN, FIRST_FINDING_ROW, FIRST_FINDING_ROW + MAX_REMEMBERED)
    refs = {str(v) for v in listed if isinstance(v, str) and "!" in v}
    for ref in refs:
        sheet, address = _split(ref)
        if sheet in book.sheet_names():
            book.set_fill(sheet, address, INPUT_RGB if ref in input_refs else LABEL_RGB)
            book.set_note(sheet, address, None)
    return len(refs)


def summary_line(result: Result, when: dt.datetime | None = None) -> str:
    stamp = (when or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    verdict = "通过" if result.ok else "未通过"
    return f"校验时间：{stamp}　结论：{verdict}　错误 {result.errors} 项，警告 {result.warnings} 项"


def annotate(book: BookAccess, result: Result, when: dt.datetime | None = None) -> list[str]:
    """Mark every finding's cell and write the 校验结果 sheet; returns the marked cells."""
    clear_previous_marks(book, {c.ref for c in result.report.spec.inputs})
    by_cell: dict[str, list[Finding]] = {}
    for finding in result.findings:
        if finding.anchor:
            by_cell.setdefault(finding.anchor, []).append(finding)
    for ref, findings in by_cell.items():
        sheet, address = _split(ref)
        worst = Severity.ERROR if any(f.severity is Severity.ERROR for f in findings) else Severity.WARNING
        book.set_fill(sheet, address, MARK_RGB[worst])
        book.set_note(sheet, address, _note(findings))
    rows: list[list[object]] = [[summary_line(result, when)], RESULT_HEADER]
    links: dict[tuple[int, int], str] = {}
    for finding in result.findings:
        rows.append(
            [
                finding.severity.label,
                finding.instance or finding.code,
                finding.message,
                finding.anchor,
                finding.basis,
            ]
        )
        if finding.anchor:
            sheet, address = _split(finding.anchor)
            links[(len(rows), 4)] = f"{quote_sheet(sheet)}!{address}"
    if not result.findings:
        rows.append(["", "", "全部规则均已通过。", "", ""])
    book.replace_sheet(RESULT_SHEET, rows, links, {"A": 8, "B": 22, "C": 90, "D": 14, "E": 40})
    book.activate(RESULT_SHEET)
    return list(by_cell)
