"""The finding of a failed rule instance: its message filled in, its cells on either side."""

from __future__ import annotations

from collections.abc import Callable

from gidr_xl.findings import Finding, FindingCell
from gidr_xl.model import CellId, FormatSpec, Position
from gidr_xl.rules import ast
from gidr_xl.rules.expand import RuleInstance
from gidr_xl.rules.python import Outcome, Values
from gidr_xl.values import display

#: Where a cell is: a position in this workbook, or a name for a cell elsewhere (last year's).
WhereOf = Callable[[CellId], Position | str]


def _describe(spec: FormatSpec, cell_id: CellId) -> str:
    cell = spec.cell(cell_id)
    return f"{cell.ref}（{cell.label}）"


def _sides(inst: RuleInstance, values: Values, where_of: WhereOf) -> tuple[FindingCell, ...]:
    expr = inst.expr
    if isinstance(expr, ast.Compare) and inst.guarded:
        left, right = ast.cells_of(expr.left), ast.cells_of(expr.right)
    else:
        left, right = inst.cells, ()
    out = [FindingCell.at(where_of(c), c, values.get(c), "left" if right else "cell") for c in left]
    out += [FindingCell.at(where_of(c), c, values.get(c), "right") for c in right]
    return tuple(out)


def rule_finding(
    inst: RuleInstance, outcome: Outcome, values: Values, spec: FormatSpec, where_of: WhereOf | None = None
) -> Finding:
    """The finding of a failed instance (``where_of`` names cells that are not in ``spec``)."""
    rule = inst.rule
    fields = {k: spec.key_label(v) for k, v in inst.bindings if isinstance(v, str)}
    anchor_value = values.get(inst.anchor) if inst.anchor else None
    fields.update(
        lhs=display(outcome.lhs),
        rhs=display(outcome.rhs),
        value=display(anchor_value),
        cell=_describe(spec, inst.anchor) if inst.anchor else "",
    )
    relation = isinstance(inst.expr, ast.Compare) and inst.guarded
    params: dict[str, object] = {**fields, "lhs": outcome.lhs, "rhs": outcome.rhs, "value": anchor_value}
    return Finding(
        code=rule.id,
        severity=rule.severity,
        title=rule.title,
        message=rule.message.format(**fields),
        instance=inst.id,
        cells=_sides(inst, values, where_of or (lambda c: spec.cell(c).position)),
        expected=outcome.rhs if relation else None,
        actual=outcome.lhs if relation else anchor_value,
        basis=rule.basis,
        anchor=spec.cell(inst.anchor).position if inst.anchor else None,
        params=params,
    )
