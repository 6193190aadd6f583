"""Findings are data: a stable code, a severity, a Chinese message, cells and values."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

from gidr_xl.model import Severity
from gidr_xl.values import ExcelError, display

#: Codes of findings that come from reading the workbook rather than from a spec rule.
STRUCTURE_LABEL = "structure-label"
STRUCTURE_SHEET = "structure-sheet"
TEMPLATE_OUTDATED = "template-outdated"
FORMULA_INPUT = "formula-input"
NUMBER_RANGE = "number-range"


@dataclass(frozen=True)
class FindingCell:
    """A cell involved in a finding; side is 'left' / 'right' of a relation, or 'cell'."""

    ref: str  # 表三!D12
    cell_id: str  # T3[三.七][自然人] ('' for non-input cells such as labels)
    value: object
    side: str = "cell"

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "id": self.cell_id, "value": _jsonable(self.value), "side": self.side}


@dataclass(frozen=True)
class Finding:
    code: str  # rule id (T3-1) or structural code
    severity: Severity
    title: str
    message: str
    instance: str = ""  # rule instance id, e.g. T3-1[自然人]
    cells: tuple[FindingCell, ...] = field(default_factory=tuple)
    expected: object = None
    actual: object = None
    basis: str = ""
    anchor: str = ""  # the one cell to mark in the workbook (表四!E7); "" when none

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(c.ref for c in self.cells)

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
            "cells": [c.to_dict() for c in self.cells],
            "expected": _jsonable(self.expected),
            "actual": _jsonable(self.actual),
            "basis": self.basis,
            "anchor": self.anchor,
            "fingerprint": self.fingerprint,
        }


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
        return value
    return display(value)
