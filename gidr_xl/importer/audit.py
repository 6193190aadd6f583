"""Audit a folder of published reports: import, validate, one verdict per report, all findings.

The summary is written as CSV (UTF-8 with BOM, opens in Excel/WPS) and as an .xlsx workbook
with a 汇总 sheet (one row per report) and a 问题明细 sheet (one row per finding).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from gidr_xl.errors import GidrError, UsageError
from gidr_xl.importer.classify import (
    AMBIGUOUS,
    CONSISTENT,
    NOT_STATED,
    RELATION,
    UNREAD,
    UNREADABLE,
    Assessment,
    Item,
    assess,
)
from gidr_xl.importer.parse import Imported
from gidr_xl.importer.sources import READERS
from gidr_xl.importer.workbook import import_report
from gidr_xl.paths import refuse_overwrite
from gidr_xl.validate.validator import Result, validate

SUMMARY_HEADER = [
    "文件",
    "机关名称",
    "报告年度",
    "格式版本",
    "结论",
    "勾稽关系不一致",
    "有歧义",
    "未能读取",
    "原文未载明",
    "表格读取率",
    "错误",
    "警告",
    "说明",
]
FINDINGS_HEADER = ["文件", "机关名称", "报告年度", "类别", "级别", "规则", "单元格", "说明", "指纹"]
_FILLS = {
    "一致": "E2EFDA",
    "勾稽关系不一致": "F8CBAD",
    "部分未能读取": "FFE699",
    "无表格": "D9D9D9",
    UNREADABLE: "D9D9D9",
}


@dataclass
class Audited:
    path: Path
    imported: Imported | None
    result: Result | None
    error: str = ""
    assessment: Assessment = field(default_factory=lambda: Assessment(UNREADABLE))


def report_files(paths: list[Path]) -> list[Path]:
    """The given files, and every report file (.txt, .html, .docx, .pdf) under the given folders."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in READERS))
        else:
            out.append(path)
    return out


def audit_one(path: Path) -> Audited:
    """Import, validate and assess one report; a file that cannot be read gives its message."""
    try:
        imported = import_report(path)
        result = validate(imported.report)
        return Audited(path, imported, result, assessment=assess(imported, result))
    except GidrError as exc:
        return Audited(path, None, None, str(exc), Assessment(UNREADABLE, [Item(UNREADABLE, str(exc))]))


def audit(
    paths: list[Path], prior: bool = False, progress: Callable[[Path], None] | None = None
) -> list[Audited]:
    """Every report of ``paths``; with ``prior``, each is also checked against the organ's last year."""
    done: list[Audited] = []
    for path in report_files(paths):
        done.append(audit_one(path))
        if progress is not None:
            progress(path)
    if prior:
        by_key = {(a.imported.report.org, a.imported.report.year): a for a in done if a.imported}
        for item in done:
            if item.imported is None or item.imported.report.year is None:
                continue
            last = by_key.get((item.imported.report.org, item.imported.report.year - 1))
            if last is not None and last.imported is not None:
                item.result = validate(item.imported.report, last.imported.report)
                item.assessment = assess(item.imported, item.result)
    return done


@dataclass
class AuditRun:
    """One ``gidr audit``: the verdicts and where the summary was written."""

    items: list[Audited]
    summary: Path
    findings: Path
    workbook: Path

    def counts(self) -> dict[str, int]:
        """Reports per verdict, in order of first appearance."""
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.assessment.status] = counts.get(item.assessment.status, 0) + 1
        return counts

    @property
    def consistent(self) -> bool:
        return all(i.assessment.status == CONSISTENT for i in self.items)


def audit_folder(
    paths: list[Path],
    out: Path,
    prior: bool = False,
    progress: Callable[[int, int, Path], None] | None = None,
    overwrite: bool = False,
) -> AuditRun:
    """Audit every report under ``paths``; write ``out`` as .csv, .xlsx and ``-findings.csv``.

    ``progress(done, total, path)`` is called after each report. Refuses when there is no report
    file, or when an output exists and ``overwrite`` is not set (before reading anything)."""
    files = report_files(paths)
    if not files:
        raise UsageError("没有找到可审核的年报文件（.txt、.html、.docx、.pdf）。")
    csv_path, xlsx_path = out.with_suffix(".csv"), out.with_suffix(".xlsx")
    refuse_overwrite(
        csv_path, csv_path.with_name(f"{csv_path.stem}-findings.csv"), xlsx_path, overwrite=overwrite
    )
    done = iter(range(1, len(files) + 1))

    def step(path: Path) -> None:
        if progress is not None:
            progress(next(done), len(files), path)

    items = audit(files, prior=prior, progress=step)
    summary, findings = write_csv(items, csv_path)
    return AuditRun(items, summary, findings, write_xlsx(items, xlsx_path))


def summary_row(item: Audited) -> list[object]:
    a = item.assessment
    if item.imported is None or item.result is None:
        return [str(item.path), "", "", "", a.status, "", "", "", "", "", "", "", item.error]
    report = item.imported.report
    notes = "；".join(item.imported.notes)
    return [
        str(item.path),
        report.org or "",
        report.year or "",
        report.spec.name,
        a.status,
        a.count(RELATION),
        a.count(AMBIGUOUS),
        a.count(UNREAD),
        a.count(NOT_STATED),
        f"{item.imported.completeness:.1%}",
        sum(i.severity == "错误" for i in a.items),
        sum(i.severity == "警告" for i in a.items),
        notes,
    ]


def finding_rows(item: Audited) -> list[list[object]]:
    report = item.imported.report if item.imported else None
    org, year = (report.org or "", report.year or "") if report else ("", "")
    return [
        [str(item.path), org, year, i.category, i.severity, i.rule, i.cell, i.message, i.fingerprint]
        for i in item.assessment.items
    ]


def write_csv(items: list[Audited], out: Path) -> tuple[Path, Path]:
    """The summary CSV and, beside it, ``<name>-findings.csv``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    findings_path = out.with_name(f"{out.stem}-findings.csv")
    with (
        out.open("w", newline="", encoding="utf-8-sig") as fh,
        findings_path.open("w", newline="", encoding="utf-8-sig") as fh2,
    ):
        summary, findings = csv.writer(fh), csv.writer(fh2)
        summary.writerow(SUMMARY_HEADER)
        findings.writerow(FINDINGS_HEADER)
        for item in items:
            summary.writerow(summary_row(item))
            findings.writerows(finding_rows(item))
    return out, findings_path


def write_xlsx(items: list[Audited], out: Path) -> Path:
    """汇总 (one row per report, coloured by verdict) and 问题明细 (every finding), filterable."""
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append(SUMMARY_HEADER)
    for item in items:
        ws.append(summary_row(item))
        fill = _FILLS.get(item.assessment.status)
        if fill:
            ws.cell(ws.max_row, 5).fill = PatternFill("solid", fgColor=fill)
    detail = wb.create_sheet("问题明细")
    detail.append(FINDINGS_HEADER)
    for item in items:
        for row in finding_rows(item):
            detail.append(row)
    widths = {
        "汇总": (40, 28, 8, 26, 14, 8, 8, 8, 10, 10, 6, 6, 60),
        "问题明细": (40, 28, 8, 20, 6, 24, 12, 90, 18),
    }
    for sheet in (ws, detail):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(vertical="center")
        for n, width in enumerate(widths[sheet.title], 1):
            sheet.column_dimensions[sheet.cell(1, n).column_letter].width = width
        sheet.freeze_panes = "B2"
        sheet.auto_filter.ref = sheet.dimensions
    wb.save(out)
    return out
