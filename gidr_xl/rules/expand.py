"""Expand a rule over its ``for`` domains into concrete instances over named cells."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from gidr_xl.model import CellId, RuleSpec
from gidr_xl.rules import ast
from gidr_xl.rules.parse import parse

Binding = str | CellId
#: Resolves a domain name (group, ``inputs(...)``) to its members.
DomainResolver = Callable[[str], tuple[Binding, ...]]


class ExpansionError(ValueError):
    """A rule refers to an unknown domain, variable or cell (reason in Chinese)."""


@dataclass(frozen=True)
class RuleInstance:
    """One concrete check: a rule with every loop variable bound."""

    rule: RuleSpec
    bindings: tuple[tuple[str, Binding], ...]
    expr: ast.Node
    cells: tuple[CellId, ...]
    anchor: CellId | None
    guarded: bool  # a relation between numbers: not evaluated while a cell is blank or not a number

    @cached_property
    def key(self) -> str:
        return ",".join(str(v) for _, v in self.bindings)

    @cached_property
    def id(self) -> str:
        """Stable id, e.g. ``T3-1[自然人]``; the rule id alone when it has no loops."""
        return f"{self.rule.id}[{self.key}]" if self.bindings else self.rule.id


def _substitute(
    node: ast.Node,
    env: Mapping[str, Binding],
    resolve: DomainResolver,
    exists: Callable[[CellId], bool],
) -> ast.Node:
    """Replace variables by their values and generators by aggregates."""
    match node:
        case ast.Ref(table, keys):
            concrete = []
            for k in keys:
                value = env.get(k, k)
                if isinstance(value, CellId):
                    raise ExpansionError(f"变量“{k}”代表单元格，不能用作行或列名")
                concrete.append(value)
            cell_id = CellId(table, tuple(concrete))
            if not exists(cell_id):
                raise ExpansionError(f"引用了不存在的单元格 {cell_id}")
            return ast.Cell(cell_id)
        case ast.Var(name):
            value = env.get(name)
            if not isinstance(value, CellId):
                raise ExpansionError(f"“{name}”不是代表单元格的循环变量")
            return ast.Cell(value)
        case ast.Gen(func, body, var, domain):
            members = resolve(domain)
            items = tuple(_substitute(body, {**env, var: m}, resolve, exists) for m in members)
            return ast.Aggregate(func, items)
        case ast.BinOp(op, left, right):
            return ast.BinOp(
                op, _substitute(left, env, resolve, exists), _substitute(right, env, resolve, exists)
            )
        case ast.Compare(op, left, right):
            return ast.Compare(
                op, _substitute(left, env, resolve, exists), _substitute(right, env, resolve, exists)
            )
        case ast.Neg(operand):
            return ast.Neg(_substitute(operand, env, resolve, exists))
        case ast.Not(operand):
            return ast.Not(_substitute(operand, env, resolve, exists))
        case ast.And(items):
            return ast.And(tuple(_substitute(i, env, resolve, exists) for i in items))
        case ast.Or(items):
            return ast.Or(tuple(_substitute(i, env, resolve, exists) for i in items))
        case ast.Call(func, args):
            return ast.Call(func, tuple(_substitute(a, env, resolve, exists) for a in args))
    return node


def _anchor(rule: RuleSpec, env: Mapping[str, Binding], exists: Callable[[CellId], bool]) -> CellId | None:
    if rule.anchor is None:
        return None
    node = parse(rule.anchor)
    if isinstance(node, ast.Var) and isinstance(env.get(node.name), CellId):
        return env[node.name]  # type: ignore[return-value]
    cell = _substitute(node, env, lambda d: (), exists)
    if not isinstance(cell, ast.Cell):
        raise ExpansionError(f"anchor“{rule.anchor}”应为一个单元格")
    return cell.id


def expand(
    rule: RuleSpec, resolve: DomainResolver, exists: Callable[[CellId], bool]
) -> tuple[RuleInstance, ...]:
    """All instances of ``rule``; raises ExpansionError on unknown names."""
    tree = parse(rule.expr)
    names = [v for v, _ in rule.loops]
    domains = [resolve(d) for _, d in rule.loops]
    out = []
    for combo in itertools.product(*domains):
        env = dict(zip(names, combo, strict=True))
        expr = _substitute(tree, env, resolve, exists)
        anchor = _anchor(rule, env, exists)
        cells = ast.cells_of(expr)
        if anchor is None and len(cells) == 1:
            anchor = cells[0]
        out.append(
            RuleInstance(
                rule=rule,
                bindings=tuple(env.items()),
                expr=expr,
                cells=cells,
                anchor=anchor,
                guarded=not ast.uses_predicates(expr),
            )
        )
    return tuple(out)


def expand_expression(text: str, exists: Callable[[CellId], bool]) -> ast.Node:
    """A loop-free expression (e.g. ``T4[复议后起诉][总计] + 1``) over concrete cells."""
    return _substitute(parse(text), {}, lambda d: (), exists)
