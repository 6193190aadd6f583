"""Validate a workbook through the access layer and mark the findings in it.

Marks: a fill and a note on each finding's cell, a fill of their own and a note on the input
cells that error localisation names as probably mistyped, and a 校验结果 sheet with one row per
suspect and per finding (hyperlinked to the cell) under a summary line.

Before marking, the fill and note of every cell about to be marked are recorded in the hidden
metadata sheet (with a fingerprint of what the mark put there); the next run puts back exactly
those, and only where the mark is still as it was left. Cell values are never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import astuple, dataclass

from gidr_xl.access import RGB, BookAccess, Look
from gidr_xl.access.meta import MAX_RECORDED, read_marks, write_marks
from gidr_xl.addresses import quote_sheet
from gidr_xl.findings import Finding
from gidr_xl.model import Position, Severity
from gidr_xl.spec.layout import META_SHEET
from gidr_xl.validate.validator import Result
from gidr_xl.values import display

RESULT_SHEET = "校验结果"
RESULT_HEADER = ["级别", "规则", "说明", "单元格", "依据"]
REF_COLUMN = "D"  # where older versions listed the marked cells (read back to clear them)
FIRST_FINDING_ROW = 3
#: Pale yellow of input cells in the generated template (restored by marks of older versions).
INPUT_RGB: RGB = (0xFF, 0xF9, 0xDB)
LABEL_RGB: RGB = (0xED, 0xED, 0xED)
MARK_RGB: dict[Severity, RGB] = {Severity.ERROR: (0xFF, 0xC7, 0xCE), Severity.WARNING: (0xFF, 0xEB, 0x9C)}
#: Light blue of an input cell that error localisation names as probably mistyped.
SUSPECT_RGB: RGB = (0xBD, 0xD7, 0xEE)
SUSPECT_LEVEL = "疑似填错"
SUSPECT_BASIS = "错误定位：使全部勾稽关系同时成立的最小改动"


def _stored(ref: str) -> Position:
    """A cell reference read back as text (the record in _meta, an older 校验结果 sheet)."""
    sheet, _, address = ref.rpartition("!")
    return Position(sheet, address)


def _note(findings: list[Finding]) -> str:
    parts = []
    for f in findings:
        text = f"[{f.instance or f.code}] {f.message}"
        if f.expected is not None:
            text += f"\n应为 {display(f.expected)}（当前为 {display(f.actual)}）"
        parts.append(text)
    return "\n\n".join(parts)


@dataclass(frozen=True)
class Suspect:
    """An input cell that error localisation names as probably mistyped."""

    position: Position
    rules: tuple[str, ...]  # failing rule instances the cell takes part in
    proposal: str  # 可能应为 N（当前为 M）[，疑似…]
    slip: str  # the typing slip, '' when the change looks like no common one
    alternatives: int  # how many equally small fixes exist (1: unique)
    rank: int  # which of them (1-based) proposes this change
    together: tuple[str, ...]  # other cells the same fix changes

    def note(self) -> str:
        lines = ["[错误定位] 此单元格可能填错"]
        if self.alternatives > 1:
            lines.append(
                f"注意：有 {self.alternatives} 种同样小的改法，无法唯一确定；这是其中第 {self.rank} 种，"
                "请与其他标蓝单元格逐一核对。"
            )
        if self.rules:
            lines.append(f"涉及规则：{'、'.join(self.rules)}")
        lines.append(self.proposal)
        if self.together:
            lines.append(f"（需与 {'、'.join(self.together)} 一并修改）")
        lines.append(
            f"疑似输入错误：{self.slip}"
            if self.slip
            else "未发现常见的输入错误类型（两位数字颠倒、多输或漏输一位）。"
        )
        return "\n".join(lines)

    def row(self) -> list[object]:
        text = self.proposal
        if self.together:
            text += f"（需与 {'、'.join(self.together)} 一并修改）"
        text += f"，疑似{self.slip}。" if self.slip else "。"
        if self.alternatives > 1:
            text += (
                f"有 {self.alternatives} 种同样小的改法，无法唯一确定，这是第 {self.rank} 种，请逐一核对。"
            )
        return [SUSPECT_LEVEL, "、".join(self.rules), text, self.position.ref, SUSPECT_BASIS]


def suspects(result: Result) -> list[Suspect]:
    """The cells localisation names, in its order (best fix first); each cell once per fix."""
    loc = result.localisation
    if loc is None or not loc.fixes:
        return []
    out = []
    for rank, fix in enumerate(loc.fixes, 1):
        for change in fix.changes:
            rules = tuple(f.instance or f.code for f in result.findings if change.ref in f.refs)
            proposal = f"可能应为 {display(change.new)}（当前为 {display(change.old)}）"
            together = tuple(c.ref for c in fix.changes if c.ref != change.ref)
            out.append(Suspect(change.position, rules, proposal, change.slip, len(loc.fixes), rank, together))
    return out


def _digest(value: str | None) -> str:
    return "" if value is None else hashlib.sha256(value.encode("utf-8")).hexdigest()[:20]


def _legacy_clear(book: BookAccess, input_refs: set[str]) -> int:
    """Workbooks marked by versions without the record: the cells are listed on 校验结果."""
    listed = book.read_column(RESULT_SHEET, REF_COLUMN, FIRST_FINDING_ROW, FIRST_FINDING_ROW + MAX_RECORDED)
    refs = {str(v) for v in listed if isinstance(v, str) and "!" in v}
    for ref in refs:
        sheet, address = astuple(_stored(ref))
        if sheet in book.sheet_names():
            book.set_fill(sheet, address, INPUT_RGB if ref in input_refs else LABEL_RGB)
            book.set_note(sheet, address, None)
    return len(refs)


def clear_previous_marks(book: BookAccess, input_refs: set[str]) -> int:
    """Put back the fill and note each cell had before the previous run marked it.

    A fill or note changed by hand since then is left alone. Returns the number of cells."""
    if META_SHEET not in book.sheet_names():
        return 0
    record = read_marks(book)
    if record is None:
        return _legacy_clear(book, input_refs) if RESULT_SHEET in book.sheet_names() else 0
    names = set(book.sheet_names())
    for ref, before, fill_after, note_after in record:
        sheet, address = astuple(_stored(ref))
        if sheet not in names:
            continue
        now = book.look(sheet, address)
        fill, note = _digest(now.fill) == fill_after, _digest(now.note) == note_after
        if fill or note:
            book.restore(sheet, address, before, fill=fill, note=note)
    write_marks(book, [], len(record))
    return len(record)


def summary_line(result: Result, when: dt.datetime | None = None) -> str:
    stamp = (when or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    verdict = "通过" if result.ok else "未通过"
    return f"校验时间：{stamp}　结论：{verdict}　错误 {result.errors} 项，警告 {result.warnings} 项"


def _marks(result: Result, named: list[Suspect]) -> dict[Position, tuple[RGB, str]]:
    """Cell → (fill, note): suspects first, in localisation's order, then the findings' cells."""
    notes: dict[Position, list[str]] = {}
    for s in named:
        notes.setdefault(s.position, []).append(s.note())
    by_cell: dict[Position, list[Finding]] = {}
    for finding in result.findings:
        if finding.anchor is not None:
            by_cell.setdefault(finding.anchor, []).append(finding)
    marks = {ref: (SUSPECT_RGB, "\n\n".join(texts)) for ref, texts in notes.items()}
    for ref, findings in by_cell.items():
        worst = Severity.ERROR if any(f.severity is Severity.ERROR for f in findings) else Severity.WARNING
        if ref in marks:  # a suspect that is also a finding's cell keeps the suspect colour
            marks[ref] = (SUSPECT_RGB, f"{marks[ref][1]}\n\n{_note(findings)}")
        else:
            marks[ref] = (MARK_RGB[worst], _note(findings))
    return marks


def annotate(book: BookAccess, result: Result, when: dt.datetime | None = None) -> list[str]:
    """Mark the suspects and every finding's cell, write the 校验结果 sheet; returns the marked cells."""
    clear_previous_marks(book, {c.ref for c in result.report.spec.inputs})
    named = suspects(result)
    marks = _marks(result, named)
    names = set(book.sheet_names())
    record: list[tuple[str, Look, str, str]] = []
    skipped: list[Position] = []
    for at, (rgb, note) in marks.items():
        sheet, address = at.sheet, at.address
        if sheet not in names or not book.can_mark(sheet, address):
            skipped.append(at)
            continue
        before = book.look(sheet, address)
        book.set_fill(sheet, address, rgb)
        book.set_note(sheet, address, note)
        after = book.look(sheet, address)
        record.append((at.ref, before, _digest(after.fill), _digest(after.note)))
    if record:
        write_marks(book, record, 0)
    rows: list[list[object]] = [[summary_line(result, when)], RESULT_HEADER]
    listed: list[tuple[list[object], Position | None]] = [(s.row(), s.position) for s in named]
    for finding in result.findings:
        row = [finding.severity.label, finding.instance or finding.code, finding.message, finding.anchor_ref]
        listed.append(([*row, finding.basis], finding.anchor))
    links: dict[tuple[int, int], str] = {}
    for row, at in listed:
        rows.append(row)
        if at is not None:
            links[(len(rows), 4)] = f"{quote_sheet(at.sheet)}!{at.address}"
    if not listed:
        rows.append(["", "", "全部规则均已通过。", "", ""])
    if skipped:
        rows.append(
            [
                "",
                "",
                f"以下单元格无法标记（工作表缺失或不是单元格）：{'、'.join(p.ref for p in skipped)}",
                "",
                "",
            ]
        )
    book.replace_sheet(RESULT_SHEET, rows, links, {"A": 10, "B": 22, "C": 90, "D": 14, "E": 40})
    book.activate(RESULT_SHEET)
    return [at.ref for at in marks if at not in skipped]
