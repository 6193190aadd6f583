"""Audit a folder of published reports: import, validate, one row per report, all findings."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from gidr_xl.errors import GidrError
from gidr_xl.importer.parse import Imported
from gidr_xl.importer.sources import READERS
from gidr_xl.importer.workbook import import_report
from gidr_xl.validate.validator import Result, validate

SUMMARY_HEADER = [
    "文件",
    "机关名称",
    "报告年度",
    "格式版本",
    "表格读取率",
    "错误",
    "警告",
    "未读取",
    "有歧义",
    "说明",
]
FINDINGS_HEADER = ["文件", "机关名称", "报告年度", "级别", "规则", "单元格", "说明", "指纹"]


@dataclass
class Audited:
    path: Path
    imported: Imported | None
    result: Result | None
    error: str = ""


def report_files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in READERS))
        else:
            out.append(path)
    return out


def audit(paths: list[Path], prior: bool = False, progress=None) -> list[Audited]:
    """Import and validate every report; with ``prior``, pair reports of one organ across years."""
    done: list[Audited] = []
    for path in report_files(paths):
        try:
            imported = import_report(path)
            done.append(Audited(path, imported, validate(imported.report)))
        except GidrError as exc:
            done.append(Audited(path, None, None, str(exc)))
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
    return done


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
            if item.imported is None or item.result is None:
                summary.writerow([str(item.path), "", "", "", "", "", "", "", "", item.error])
                continue
            report = item.imported.report
            summary.writerow(
                [
                    str(item.path),
                    report.org,
                    report.year,
                    report.spec.name,
                    f"{item.imported.completeness:.1%}",
                    item.result.errors,
                    item.result.warnings,
                    len(item.imported.unread),
                    len(item.imported.ambiguities),
                    "",
                ]
            )
            for f in item.result.findings:
                findings.writerow(
                    [
                        str(item.path),
                        report.org,
                        report.year,
                        f.severity.label,
                        f.instance or f.code,
                        f.anchor,
                        f.message,
                        f.fingerprint,
                    ]
                )
    return out, findings_path
