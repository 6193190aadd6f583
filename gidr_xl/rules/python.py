"""Rule instance → Python closure over a report's values (``CellId`` → value).

Walks the same node kinds in the same order as :mod:`gidr_xl.rules.excel`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gidr_xl.model import CellId
from gidr_xl.rules import ast
from gidr_xl.rules.expand import RuleInstance
from gidr_xl.values import excel_round, is_blank, is_integer, is_number

Values = Mapping[CellId, object]
Getter = Callable[[Values], object]

_BINOPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_COMPARE = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class Outcome:
    """Result of one instance: passed is None when a guarded relation could not be evaluated."""

    passed: bool | None
    lhs: object = None
    rhs: object = None


def _compare(op: str, tolerance: float) -> Callable[[object, object], bool]:
    if tolerance and op in ("==", "!="):
        eq = op == "=="
        return lambda a, b: (abs(a - b) <= tolerance) == eq  # type: ignore[operator]
    return _COMPARE[op]


def compile_node(node: ast.Node, tolerance: float = 0.0) -> Getter:
    """One closure per node kind; no ``eval``."""
    match node:
        case ast.Num(value):
            return lambda values: value
        case ast.Cell(cell_id):
            return lambda values: values.get(cell_id)
        case ast.BinOp(op, left, right):
            fn, lf, rf = _BINOPS[op], compile_node(left, tolerance), compile_node(right, tolerance)
            return lambda values: fn(lf(values), rf(values))
        case ast.Neg(operand):
            of = compile_node(operand, tolerance)
            return lambda values: -of(values)  # type: ignore[operator]
        case ast.Compare(op, left, right):
            cmp, lf, rf = (
                _compare(op, tolerance),
                compile_node(left, tolerance),
                compile_node(right, tolerance),
            )
            return lambda values: cmp(lf(values), rf(values))
        case ast.And(items):
            fs = [compile_node(i, tolerance) for i in items]
            return lambda values: all(f(values) for f in fs)
        case ast.Or(items):
            fs = [compile_node(i, tolerance) for i in items]
            return lambda values: any(f(values) for f in fs)
        case ast.Not(operand):
            of = compile_node(operand, tolerance)
            return lambda values: not of(values)
        case ast.Call("blank", (arg,)):
            af = compile_node(arg, tolerance)
            return lambda values: is_blank(af(values))
        case ast.Call("number", (arg,)):
            af = compile_node(arg, tolerance)
            return lambda values: is_number(af(values))
        case ast.Call("integer", (arg,)):
            af = compile_node(arg, tolerance)
            return lambda values: is_integer(af(values))
        case ast.Call("round", (arg, digits)):
            af, df = compile_node(arg, tolerance), compile_node(digits, tolerance)
            return lambda values: excel_round(af(values), df(values))  # type: ignore[arg-type]
        case ast.Call("abs", (arg,)):
            af = compile_node(arg, tolerance)
            return lambda values: abs(af(values))  # type: ignore[arg-type]
        case ast.Aggregate(func, items):
            fs = [compile_node(i, tolerance) for i in items]
            agg = {"sum": sum, "any": any, "all": all}[func]
            return lambda values: agg(f(values) for f in fs)  # type: ignore[operator]
    raise TypeError(f"cannot compile {node!r}")  # a bug: expansion leaves no other kinds


def compile_instance(inst: RuleInstance) -> Callable[[Values], Outcome]:
    """Closure that checks one instance; guarded relations skip non-numeric operands."""
    tol, expr, cells, guarded = inst.rule.tolerance, inst.expr, inst.cells, inst.guarded
    if isinstance(expr, ast.Compare):
        lf, rf = compile_node(expr.left, tol), compile_node(expr.right, tol)
        cmp = _compare(expr.op, tol)

        def check(values: Values) -> Outcome:
            if guarded and not all(is_number(values.get(c)) for c in cells):
                return Outcome(None)
            lhs, rhs = lf(values), rf(values)
            return Outcome(bool(cmp(lhs, rhs)), lhs, rhs)

        return check
    whole = compile_node(expr, tol)

    def check_whole(values: Values) -> Outcome:
        if guarded and not all(is_number(values.get(c)) for c in cells):
            return Outcome(None)
        return Outcome(bool(whole(values)))

    return check_whole
