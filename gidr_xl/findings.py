"""Findings are data: a stable code, a severity, a Chinese message with its parameters, typed
cell positions and values (the core type every layer above reads and writes)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

from gidr_xl.model import Position, Severity
from gidr_xl.values import ExcelError, display, shortened


@dataclass(frozen=True)
class Entry:
    """A finding code that is not a spec rule: its title, severity and message template."""

    code: str
    severity: Severity
    title: str
    message: str  # str.format template over the finding's params


#: Every finding code that does not come from a spec rule (spec rules carry their own id).
CATALOGUE: dict[str, Entry] = {
    e.code: e
    for e in (
        Entry("structure-sheet", Severity.ERROR, "缺少工作表", "工作簿缺少工作表“{sheet}”，无法校验。"),
        Entry(
            "structure-label",
            Severity.ERROR,
            "表格结构被修改",
            "{ref} 应为“{expected}”，实际为“{actual}”。表格的行、列和表头必须与国家统一格式一致，"
            "请勿插入、删除、移动行列或修改表头；请用 gidr new 重新生成模板并填写。",
        ),
        Entry(
            "template-outdated",
            Severity.WARNING,
            "模板版本与当前规范不同",
            "该工作簿由 {generator} 生成，其格式规范与当前版本不同；"
            "校验按当前规范进行，如有结构错误请用 gidr new 重新生成模板。",
        ),
        Entry(
            "check-formula",
            Severity.WARNING,
            "校验公式被删除或改动",
            "{ref} 是规则 {rule} 的实时校验公式，已{what}，工作簿中显示的校验结果不可信"
            "（本次校验不依赖该公式）。请用 gidr new 重新生成模板，或从原模板复制该公式。",
        ),
        Entry(
            "formula-input",
            Severity.ERROR,
            "公式无法计算",
            "无法计算该单元格中的公式：{ref}（{why}）。请改为直接填写数字。",
        ),
        Entry(
            "number-range",
            Severity.ERROR,
            "数值超出范围",
            "{ref}（{label}）中的数值{problem}，请填写正确的数字。",
        ),
        Entry(
            "prior-year",
            Severity.WARNING,
            "上年报告的年度不符",
            "用于跨年度核对的是 {prior_year} 年度报告（{prior_source}），本报告为 {year} 年度，"
            "应使用 {expected_year} 年度报告。",
        ),
    )
}
STRUCTURE_SHEET = "structure-sheet"
STRUCTURE_LABEL = "structure-label"
TEMPLATE_OUTDATED = "template-outdated"
CHECK_FORMULA = "check-formula"
FORMULA_INPUT = "formula-input"
NUMBER_RANGE = "number-range"
PRIOR_YEAR = "prior-year"
#: Codes whose finding means the tables were restructured (values cannot be trusted).
STRUCTURAL = frozenset({STRUCTURE_SHEET, STRUCTURE_LABEL})


@dataclass(frozen=True)
class FindingCell:
    """A cell involved in a finding; side is 'left' / 'right' of a relation, or 'cell'."""

    position: Position | None  # None for a cell outside this workbook (last year's report)
    cell_id: str  # T3[三.七][自然人] ('' for non-input cells such as labels)
    value: object
    side: str = "cell"
    label: str = ""  # how to name a cell without a position (上年报告 表三!J20)

    @property
    def ref(self) -> str:
        return self.position.ref if self.position is not None else self.label

    @classmethod
    def at(cls, where: Position | str, cell_id: object, value: object, side: str = "cell") -> FindingCell:
        """A cell at a position of this workbook, or named by ``where`` when it is elsewhere."""
        if isinstance(where, Position):
            return cls(where, str(cell_id), value, side)
        return cls(None, str(cell_id), value, side, label=where)

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "id": self.cell_id, "value": _jsonable(self.value), "side": self.side}


@dataclass(frozen=True)
class Finding:
    code: str  # rule id (T3-1) or a code of CATALOGUE
    severity: Severity
    title: str
    message: str
    instance: str = ""  # rule instance id, e.g. T3-1[自然人]
    cells: tuple[FindingCell, ...] = field(default_factory=tuple)
    expected: object = None
    actual: object = None
    basis: str = ""
    anchor: Position | None = None  # the one cell to mark in the workbook (表四!E7)
    params: dict[str, object] = field(default_factory=dict, compare=False)  # what the message says

    @classmethod
    def of(cls, code: str, *, anchor: Position | None = None, **params: object) -> Finding:
        """A finding of a catalogued code, its message made from ``params``."""
        entry = CATALOGUE[code]
        fields = {k: params.pop(k) for k in ("instance", "cells", "expected", "actual") if k in params}
        shown = {k: "" if v is None else v for k, v in {**params, **fields}.items()}
        return cls(
            code,
            entry.severity,
            entry.title,
            entry.message.format(**shown),
            anchor=anchor,
            params=params,
            **fields,  # type: ignore[arg-type]
        )

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(c.ref for c in self.cells)

    @property
    def anchor_ref(self) -> str:
        return self.anchor.ref if self.anchor is not None else ""

    @property
    def fingerprint(self) -> str:
        """Stable id from rule, instance, cells and their values: survives re-runs and re-ordering,
        changes when any involved value changes (so a review decision never outlives its data)."""
        parts = [self.code, self.instance, *(f"{c.ref}={_jsonable(c.value)!r}" for c in self.cells)]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "instance": self.instance or self.code,
            "severity": self.severity.value,
            "severity_label": self.severity.label,
            "title": self.title,
            "message": self.message,
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "cells": [c.to_dict() for c in self.cells],
            "expected": _jsonable(self.expected),
            "actual": _jsonable(self.actual),
            "basis": self.basis,
            "anchor": self.anchor_ref,
            "fingerprint": self.fingerprint,
        }


#: Longest cell text carried whole in a finding's data (``--json``, the server).
JSON_TEXT_MAX = 2000


def _jsonable(value: object) -> object:
    """JSON-safe: NaN and infinities (which strict JSON has no spelling for) become text."""
    if isinstance(value, float) and not math.isfinite(value):
        return display(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return display(value)  # beyond what JSON readers hold exactly
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, ExcelError):
        return str(value)
    if isinstance(value, str):
        return shortened(value, JSON_TEXT_MAX)
    return display(value)
