"""One verdict per imported report, and every finding sorted by what a supervisor should do.

Verdicts: 一致 (every relation holds), 勾稽关系不一致 (the published numbers contradict each
other), 部分未能读取 (some cells could not be read without guessing), 无表格 (the published
page has no statistical tables). What no published report contains (the structured 收费通知
fields of the 2021 format) is listed as 原文未载明, not counted as an error of the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gidr_xl.findings import Finding
from gidr_xl.importer.parse import Imported
from gidr_xl.model import CellId
from gidr_xl.report import Report
from gidr_xl.validate.validator import Result, validate

CONSISTENT = "一致"
INCONSISTENT = "勾稽关系不一致"
PARTLY_UNREAD = "部分未能读取"
NO_TABLES = "无表格"
UNREADABLE = "无法读取"

#: Finding categories, in the order a supervisor reads them.
RELATION = "勾稽关系不一致"
AMBIGUOUS = "有歧义（未导入）"
UNREAD = "未能读取（未导入）"
MISSING_ROW = "原表缺少"
BLANK = "原表空白"
NOT_STATED = "原文未载明（非年报错误）"
FORMAT = "格式与元数据说明"
OTHER = "其他校验问题"
_STATISTICAL = ("T2", "T3", "T4")


@dataclass(frozen=True)
class Item:
    category: str
    message: str
    severity: str = ""
    rule: str = ""
    cell: str = ""
    fingerprint: str = ""


@dataclass
class Assessment:
    status: str
    items: list[Item] = field(default_factory=list)

    def count(self, category: str) -> int:
        return sum(i.category == category for i in self.items)


def _relations(result: Result) -> list[Finding]:
    """Failed relations between numbers of the statistical tables (not missing-cell findings)."""
    return [
        f
        for f in result.findings
        if f.code.split("-")[0] in _STATISTICAL and f.cells and any(c.side != "cell" for c in f.cells)
    ]


def assess(imported: Imported, result: Result | None = None) -> Assessment:
    """The verdict and the sorted findings of one imported report."""
    report = imported.report
    result = result or validate(report)
    items: list[Item] = []
    if "T3" not in imported.tables_found and "T4" not in imported.tables_found:
        items.append(Item(NO_TABLES, "原文没有统计表格（可能只以附件发布），无法核对数字"))
        items.extend(Item(FORMAT, n) for n in imported.notes)
        return Assessment(NO_TABLES, items)
    # Relations with the cells left blank in the published table counted as 0 (as published).
    zeroed = dict(report.values) | {c: 0 for c in imported.blank if c not in report.values}
    relations = _relations(validate(Report(report.spec, zeroed, source=report.source)))
    for f in relations:
        items.append(
            Item(RELATION, f.message, f.severity.label, f.instance or f.code, f.anchor_ref, f.fingerprint)
        )
    items.extend(Item(RELATION, text) for text in imported.no_consistent)
    items.extend(Item(AMBIGUOUS, text) for text in imported.ambiguities)
    unread_cells = _unread_table_cells(imported)
    for text in imported.unread:
        category = MISSING_ROW if "报告中没有找到" in text else UNREAD
        items.append(Item(category, text))
    blank = sorted({c.keys[0] for c in imported.blank if c.table in _STATISTICAL})
    if blank:
        items.append(Item(BLANK, f"原表中以下行为空白（按 0 核对勾稽关系）：{'、'.join(blank)}"))
    items.extend(Item(FORMAT, n) for n in imported.notes)
    relation_ids = {f.fingerprint for f in relations}
    for f in result.findings:
        if f.fingerprint in relation_ids or f in relations:
            continue
        cell = _cell_of(f)
        if f.code == "V-REQ" and cell is not None:
            if cell.table not in _STATISTICAL and cell not in imported.provenance:
                items.append(
                    Item(NOT_STATED, f.message, "说明", f.instance or f.code, f.anchor_ref, f.fingerprint)
                )
                continue
            if cell.table in _STATISTICAL:
                continue  # a cell not read, blank or missing: listed above from the import itself
        if _relations_of(f):
            continue  # relation found again (blank cells not zeroed): already listed
        items.append(
            Item(OTHER, f.message, f.severity.label, f.instance or f.code, f.anchor_ref, f.fingerprint)
        )
    if relations or imported.no_consistent:
        status = INCONSISTENT
    elif imported.ambiguities or unread_cells:
        status = PARTLY_UNREAD
    else:
        status = CONSISTENT
    return Assessment(status, items)


def _relations_of(f: Finding) -> bool:
    return f.code.split("-")[0] in _STATISTICAL and any(c.side != "cell" for c in f.cells)


def _cell_of(f: Finding) -> CellId | None:
    if len(f.cells) != 1 or not f.cells[0].cell_id:
        return None
    try:
        return CellId.parse(f.cells[0].cell_id)
    except ValueError:
        return None


def _unread_table_cells(imported: Imported) -> list[str]:
    """Table rows the importer could not read (ambiguous or unreadable), not rows absent or blank."""
    return [
        t for t in imported.unread if "报告中没有找到" not in t and t.startswith(("表二", "表三", "表四"))
    ]
