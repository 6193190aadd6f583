"""Rule instances that are linear equations over cells, for localising errors."""

from __future__ import annotations

from collections.abc import Iterable

from gidr_xl.model import CellId
from gidr_xl.rules import ast
from gidr_xl.rules.expand import RuleInstance

#: Coefficients per cell and the constant they sum to.
Equation = tuple[dict[CellId, float], float]


def _linear(node: ast.Node, sign: float, coef: dict[CellId, float]) -> float | None:
    """Accumulate ``sign * node`` into ``coef``; returns the constant part, or None if not linear."""
    match node:
        case ast.Num(value):
            return sign * value
        case ast.Cell(cell_id):
            coef[cell_id] = coef.get(cell_id, 0.0) + sign
            return 0.0
        case ast.BinOp("+" | "-" as op, left, right):
            lc = _linear(left, sign, coef)
            rc = _linear(right, sign if op == "+" else -sign, coef)
            return None if lc is None or rc is None else lc + rc
        case ast.Neg(operand):
            return _linear(operand, -sign, coef)
        case ast.Aggregate("sum", items):
            total = 0.0
            for item in items:
                part = _linear(item, sign, coef)
                if part is None:
                    return None
                total += part
            return total
    return None


def linear_equations(instances: Iterable[RuleInstance]) -> tuple[Equation, ...]:
    """Every guarded instance of the form ``linear == linear`` as (coefficients, constant) with
    Σ coefficient·cell = constant."""
    out = []
    for inst in instances:
        expr = inst.expr
        if not (
            inst.guarded and isinstance(expr, ast.Compare) and expr.op == "==" and not inst.rule.tolerance
        ):
            continue
        coef: dict[CellId, float] = {}
        left, right = _linear(expr.left, 1.0, coef), _linear(expr.right, -1.0, coef)
        if left is not None and right is not None:
            out.append(({c: v for c, v in coef.items() if v}, -(left + right)))
    return tuple(out)
