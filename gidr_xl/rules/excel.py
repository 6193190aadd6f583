"""Rule instance → Excel formula (classic functions only: Excel 2010+, WPS, LibreOffice).

Walks the same node kinds in the same order as :mod:`gidr_xl.rules.python`. ``and``/``or``
compile to nested ``IF`` so that, as in Python, the right side is not evaluated when the
left side decides (``INT("文字")`` would otherwise raise ``#VALUE!``).
"""

from __future__ import annotations

from collections.abc import Callable

from gidr_xl.addresses import cell_at, split_address
from gidr_xl.model import CellId
from gidr_xl.rules import ast
from gidr_xl.rules.expand import RuleInstance

#: CellId → formula reference (``D7`` or ``'表三'!D7``), as seen from the formula's sheet.
RefOf = Callable[[CellId], str]

PASS, FAIL, SKIP = "通过", "不通过", "未校验"
_COMPARE = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def number_literal(value: float | int) -> str:
    """Numbers as Excel writes them (``1E+9``, never ``1e9``: the formulas package needs it)."""
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return str(int(value))
    return format(value, ".15g").replace("e", "E")


def _runs(cells: list[CellId], ref_of: RefOf) -> list[str]:
    """Merge consecutive cells of one column or row into ranges (``D7:D28``)."""
    out: list[tuple[str, str, int, int, int, int]] = []  # sheet prefix, ..., c1, r1, c2, r2
    for cell in cells:
        ref = ref_of(cell)
        prefix, _, addr = ref.rpartition("!")
        col, row = split_address(addr)
        if out:
            p, _, c1, r1, c2, r2 = out[-1]
            if p == prefix and c1 == c2 == col and row == r2 + 1:
                out[-1] = (p, "", c1, r1, c2, row)
                continue
            if p == prefix and r1 == r2 == row and col == c2 + 1:
                out[-1] = (p, "", c1, r1, col, r2)
                continue
        out.append((prefix, "", col, row, col, row))
    refs = []
    for prefix, _, c1, r1, c2, r2 in out:
        span = cell_at(c1, r1) if (c1, r1) == (c2, r2) else f"{cell_at(c1, r1)}:{cell_at(c2, r2)}"
        refs.append(f"{prefix}!{span}" if prefix else span)
    return refs


def _position(ref: str) -> tuple[str, int, int]:
    """Sort key (sheet, column, row) so that COUNT's arguments compress into ranges."""
    prefix, _, addr = ref.rpartition("!")
    col, row = split_address(addr)
    return prefix, col, row


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def _operand(node: ast.Node, parent: str, right: bool, sub: Callable[[ast.Node], str]) -> str:
    """Parenthesise a BinOp operand only where precedence or associativity needs it."""
    text = sub(node)
    if isinstance(node, ast.BinOp):
        mine, theirs = _PRECEDENCE[node.op], _PRECEDENCE[parent]
        if mine < theirs or (right and mine == theirs and parent in "-/"):
            return f"({text})"
    return text


def compile_node(node: ast.Node, ref_of: RefOf, tolerance: float = 0.0) -> str:
    """One case per node kind, mirroring the Python compiler."""

    def sub(n: ast.Node) -> str:
        return compile_node(n, ref_of, tolerance)

    match node:
        case ast.Num(value):
            return number_literal(value)
        case ast.Cell(cell_id):
            return ref_of(cell_id)
        case ast.BinOp(op, left, right):
            return f"{_operand(left, op, False, sub)}{op}{_operand(right, op, True, sub)}"
        case ast.Neg(operand):
            return f"(-{sub(operand)})"
        case ast.Compare(op, left, right):
            if tolerance and op in ("==", "!="):
                cond = f"ABS({sub(left)}-{sub(right)})<={number_literal(tolerance)}"
                return cond if op == "==" else f"NOT({cond})"
            return f"{sub(left)}{_COMPARE[op]}{sub(right)}"
        case ast.And(items):
            *init, last = [sub(i) for i in items]
            out = last
            for cond in reversed(init):
                out = f"IF({cond},{out},FALSE)"
            return out
        case ast.Or(items):
            *init, last = [sub(i) for i in items]
            out = last
            for cond in reversed(init):
                out = f"IF({cond},TRUE,{out})"
            return out
        case ast.Not(operand):
            return f"NOT({sub(operand)})"
        case ast.Call("blank", (arg,)):
            a = sub(arg)
            return f"IF(ISERROR({a}),FALSE,LEN(TRIM({a}))=0)"
        case ast.Call("number", (arg,)):
            return f"ISNUMBER({sub(arg)})"
        case ast.Call("integer", (arg,)):
            a = sub(arg)
            return f"IF(ISNUMBER({a}),{a}=INT({a}),FALSE)"
        case ast.Call("round", (arg, digits)):
            return f"ROUND({sub(arg)},{sub(digits)})"
        case ast.Call("abs", (arg,)):
            return f"ABS({sub(arg)})"
        case ast.Aggregate("sum", items):
            if all(isinstance(i, ast.Cell) for i in items):
                return "SUM(" + ",".join(_runs([i.id for i in items], ref_of)) + ")"  # type: ignore[union-attr]
            return "(" + "+".join(sub(i) for i in items) + ")"
        case ast.Aggregate(func, items):
            return ("OR(" if func == "any" else "AND(") + ",".join(sub(i) for i in items) + ")"
    raise TypeError(f"cannot compile {node!r}")


def compile_condition(inst: RuleInstance, ref_of: RefOf) -> str:
    """The rule's condition alone (TRUE = holds), e.g. for conditional formatting."""
    return compile_node(inst.expr, ref_of, inst.rule.tolerance)


def compile_instance(inst: RuleInstance, ref_of: RefOf) -> str:
    """Check-cell formula yielding 通过 / 不通过 / 未校验 (a relation with blank or text operands)."""
    cond = compile_condition(inst, ref_of)
    verdict = f'IF({cond},"{PASS}","{FAIL}")'
    if not inst.guarded:
        return "=" + verdict
    refs = _runs(sorted(inst.cells, key=lambda c: _position(ref_of(c))), ref_of)
    return f'=IF(COUNT({",".join(refs)})<{len(inst.cells)},"{SKIP}",{verdict})'
