"""Integrity of a returned workbook's live checks: every check formula still as generated.

Validation never uses these formulas (it recomputes every rule in Python); but a deleted or
overwritten check formula shows staff a wrong 通过, so each one is reported at its cell.

Formulas are compared by meaning, not spelling (:mod:`gidr_xl.rules.spelling`); the expected
formulas are the compiled format's (:attr:`~gidr_xl.spec.compiled.CompiledFormat.check_formulas`).
"""

from __future__ import annotations

from gidr_xl.model import Severity
from gidr_xl.rules.spelling import formula_key
from gidr_xl.spec.compiled import CompiledFormat
from gidr_xl.validate.findings import Finding, FindingCell

CHECK_FORMULA = "check-formula"


def check_formula_findings(spec: CompiledFormat, grid: dict[tuple[str, str], object]) -> list[Finding]:
    """A finding at each check cell whose formula was deleted or changed in meaning."""
    out = []
    for check in spec.check_formulas:
        inst_id, where, expected = check.instance.id, check.cell, check.formula
        actual = grid.get((where.sheet, where.address))
        # cheap before exact: a known spelling is a set lookup, tokenising costs ~80 µs
        if actual is not None and (actual in check.spellings or formula_key(actual) == check.key):
            continue
        what = "被删除" if actual is None else "被改动"
        out.append(
            Finding(
                code=CHECK_FORMULA,
                severity=Severity.WARNING,
                title="校验公式被删除或改动",
                message=f"{where.sheet}!{where.address} 是规则 {inst_id} 的实时校验公式，已{what}，工作簿中显示的校验结果不可信"
                "（本次校验不依赖该公式）。请用 gidr new 重新生成模板，或从原模板复制该公式。",
                instance=f"{CHECK_FORMULA}[{inst_id}]",
                cells=(FindingCell(f"{where.sheet}!{where.address}", "", actual),),
                expected=expected,
                actual=actual,
                anchor=f"{where.sheet}!{where.address}",
            )
        )
    return out
