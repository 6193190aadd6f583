"""Integrity of a returned workbook's live checks: every check formula still as generated.

Validation never uses these formulas (it recomputes every rule in Python); but a deleted or
overwritten check formula shows staff a wrong 通过, so each one is reported at its cell.
"""

from __future__ import annotations

import re

from gidr_xl.model import FormatSpec, Severity
from gidr_xl.rules.catalog import instances
from gidr_xl.rules.excel import compile_instance
from gidr_xl.spec.addresses import split_address
from gidr_xl.template.layout import CheckCell, check_cells, ref_from
from gidr_xl.validate.findings import Finding, FindingCell

CHECK_FORMULA = "check-formula"
_QUOTED_SHEET = re.compile(r"'((?:[^']|'')+)'!")


def normal_formula(text: object) -> str:
    """Compare formulas as Excel may re-save them: no quotes around sheet names, no $ or spaces."""
    plain = _QUOTED_SHEET.sub(lambda m: m.group(1).replace("''", "'") + "!", str(text))
    return re.sub(r"[\s$]", "", plain).upper()


def check_extent(spec: FormatSpec) -> dict[str, tuple[int, int]]:
    """Per sheet, the bottom-right corner of the check cells."""
    out: dict[str, tuple[int, int]] = {}
    for _, where, _, _ in _expected(spec):
        col, row = split_address(where.address)
        c, r = out.get(where.sheet, (0, 0))
        out[where.sheet] = (max(c, col), max(r, row))
    return out


_EXPECTED: dict[str, list[tuple[str, CheckCell, str, str]]] = {}


def _expected(spec: FormatSpec) -> list[tuple[str, CheckCell, str, str]]:
    """(instance id, check cell, formula, normalised formula), compiled once per format."""
    if spec.sha256 not in _EXPECTED:
        cells = check_cells(spec)
        rows = []
        for inst in instances(spec):
            formula = compile_instance(inst, ref_from(cells[inst.id].sheet, spec))
            rows.append((inst.id, cells[inst.id], formula, normal_formula(formula)))
        _EXPECTED[spec.sha256] = rows
    return _EXPECTED[spec.sha256]


def check_formula_findings(spec: FormatSpec, grid: dict[tuple[str, str], object]) -> list[Finding]:
    out = []
    for inst_id, where, expected, normal in _expected(spec):
        actual = grid.get((where.sheet, where.address))
        if actual is not None and (actual == expected or normal_formula(actual) == normal):
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
