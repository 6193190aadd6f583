"""Node types of the rule language. The Python and Excel compilers walk these in the same order."""

from __future__ import annotations

from dataclasses import dataclass

from gidr_xl.model import CellId


@dataclass(frozen=True)
class Num:
    value: int | float


@dataclass(frozen=True)
class Ref:
    """``T3[r][总计]`` as written; keys may name loop variables until expansion."""

    table: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Var:
    """A loop variable used as a value (bound to an input cell by ``inputs(...)``)."""

    name: str


@dataclass(frozen=True)
class Cell:
    """A concrete input cell (after expansion)."""

    id: CellId


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * /
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class Compare:
    op: str  # == != < <= > >=
    left: Node
    right: Node


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Call:
    """A built-in function: blank, number, integer (predicates on raw values), round, abs."""

    func: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Gen:
    """``sum(body for var in domain)`` as written; expansion turns it into an Aggregate."""

    func: str  # sum | any | all
    body: Node
    var: str
    domain: str


@dataclass(frozen=True)
class Aggregate:
    func: str  # sum | any | all
    items: tuple[Node, ...]


Node = Num | Ref | Var | Cell | BinOp | Neg | Compare | And | Or | Not | Call | Gen | Aggregate

#: Functions that look at a raw cell value (blank, text, number) instead of a number.
PREDICATES = frozenset({"blank", "number", "integer"})
#: Arity of every built-in function.
FUNCTIONS = {"blank": 1, "number": 1, "integer": 1, "round": 2, "abs": 1}
AGGREGATES = frozenset({"sum", "any", "all"})


def children(node: Node) -> tuple[Node, ...]:
    """Direct sub-nodes, for generic walks."""
    match node:
        case BinOp(_, left, right) | Compare(_, left, right):
            return (left, right)
        case Neg(operand) | Not(operand):
            return (operand,)
        case And(items) | Or(items) | Aggregate(_, items):
            return items
        case Call(_, args):
            return args
        case Gen(_, body, _, _):
            return (body,)
    return ()


def walk(node: Node):
    """Yield the node and all its descendants, depth first, left to right."""
    yield node
    for child in children(node):
        yield from walk(child)


def cells_of(node: Node) -> tuple[CellId, ...]:
    """Distinct concrete cells in order of first appearance."""
    seen: dict[CellId, None] = {}
    for n in walk(node):
        if isinstance(n, Cell):
            seen.setdefault(n.id, None)
    return tuple(seen)


def uses_predicates(node: Node) -> bool:
    return any(isinstance(n, Call) and n.func in PREDICATES for n in walk(node))
