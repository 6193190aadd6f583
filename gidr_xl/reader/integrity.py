"""Integrity of a returned workbook's live checks: every check formula still as generated.

Validation never uses these formulas (it recomputes every rule in Python); but a deleted or
overwritten check formula shows staff a wrong 通过, so each one is reported at its cell.

Formulas are compared by meaning, not spelling (:mod:`gidr_xl.rules.spelling`); the expected
formulas are the compiled format's (:attr:`~gidr_xl.spec.compiled.CompiledFormat.check_formulas`).
"""

from __future__ import annotations

from gidr_xl.findings import CHECK_FORMULA, Finding, FindingCell
from gidr_xl.model import Position
from gidr_xl.rules.spelling import formula_key
from gidr_xl.spec.compiled import CompiledFormat


def check_formula_findings(spec: CompiledFormat, grid: dict[tuple[str, str], object]) -> list[Finding]:
    """A finding at each check cell whose formula was deleted or changed in meaning."""
    out = []
    for check in spec.check_formulas:
        inst_id, where, expected = check.instance.id, check.cell, check.formula
        actual = grid.get((where.sheet, where.address))
        # cheap before exact: a known spelling is a set lookup, tokenising costs ~80 µs
        if actual is not None and (actual in check.spellings or formula_key(actual) == check.key):
            continue
        at = Position(where.sheet, where.address)
        out.append(
            Finding.of(
                CHECK_FORMULA,
                anchor=at,
                ref=at.ref,
                rule=inst_id,
                what="被删除" if actual is None else "被改动",
                instance=f"{CHECK_FORMULA}[{inst_id}]",
                cells=(FindingCell(at, "", actual),),
                expected=expected,
                actual=actual,
            )
        )
    return out
