"""Decide, before anything is computed, whether a formula typed into an input cell is safe to
evaluate: small ranges of this workbook, known side-effect-free functions, no cycles.

Inspected with openpyxl's :class:`~openpyxl.formula.tokenizer.Tokenizer` (the Excel formula
grammar as openpyxl writes it) rather than a parser of our own. Anything refused here gets a
finding instead of a value; what passes is still evaluated under a time limit
(:mod:`gidr_xl.reader.formula_inputs`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError
from openpyxl.utils.cell import column_index_from_string

#: Longest formula text accepted (Excel allows 8 192 characters; staff type a few dozen).
MAX_FORMULA_CHARS = 1000
MAX_TOKENS = 300
#: Most cells one range may cover (the largest table has a few hundred).
MAX_RANGE_CELLS = 2000
#: Functions evaluated: arithmetic and logic that give the same result every time.
ALLOWED_FUNCTIONS = frozenset(
    {
        "SUM", "PRODUCT", "ROUND", "ROUNDUP", "ROUNDDOWN", "INT", "TRUNC", "ABS", "MIN", "MAX",
        "AVERAGE", "COUNT", "COUNTA", "IF", "IFERROR", "AND", "OR", "NOT", "MOD", "SUMPRODUCT",
        "VALUE", "N",
    }
)  # fmt: skip
#: Named for the message: results that change on every recalculation, or read other cells
#: by computed addresses.
VOLATILE = frozenset(
    {"NOW", "TODAY", "RAND", "RANDBETWEEN", "RANDARRAY", "INDIRECT", "OFFSET", "INFO", "CELL"}
)

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")
_COLUMN = re.compile(r"^\$?([A-Z]{1,3})$")
_ROW = re.compile(r"^\$?([0-9]{1,7})$")
_MAX_COL, _MAX_ROW = 16384, 1048576

Box = tuple[str, int, int, int, int]  # sheet, min col, min row, max col, max row


def _unquote(sheet: str) -> str:
    if sheet.startswith("'") and sheet.endswith("'") and len(sheet) >= 2:
        return sheet[1:-1].replace("''", "'")
    return sheet


def _corner(text: str) -> tuple[int, int] | None:
    match = _CELL.match(text.upper())
    if match is None:
        return None
    col, row = column_index_from_string(match.group(1)), int(match.group(2))
    return (col, row) if 1 <= col <= _MAX_COL and 1 <= row <= _MAX_ROW else None


def parse_range(operand: str, home: str) -> Box | str:
    """The box a range operand covers, or why it is refused (Chinese)."""
    if operand.lstrip("'").startswith("["):  # [book.xlsx]Sheet!A1 or '[book.xlsx]Sheet 1'!A1
        return "引用了其他工作簿"
    sheet, bang, area = operand.rpartition("!")
    sheet = _unquote(sheet) if bang else home
    first, colon, last = area.partition(":")
    if colon and ((_COLUMN.match(first) and _COLUMN.match(last)) or (_ROW.match(first) and _ROW.match(last))):
        return "引用了整列或整行"
    a = _corner(first)
    b = _corner(last) if colon else a
    if a is None or b is None:
        return f"引用了无法识别的名称或区域“{operand}”"
    box = (sheet, min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1]))
    if (box[3] - box[1] + 1) * (box[4] - box[2] + 1) > MAX_RANGE_CELLS:
        return f"引用的区域过大（超过 {MAX_RANGE_CELLS} 个单元格）"
    return box


def _tokens(text: str) -> list[Token] | str:
    if len(text) > MAX_FORMULA_CHARS:
        return f"公式过长（超过 {MAX_FORMULA_CHARS} 个字符）"
    try:
        items = Tokenizer(text).items
    except (TokenizerError, ValueError, IndexError, KeyError):
        return "公式无法解析"
    if len(items) > MAX_TOKENS:
        return "公式过于复杂"
    opened = sum(t.subtype == Token.OPEN for t in items) - sum(t.subtype == Token.CLOSE for t in items)
    return items if opened == 0 else "公式无法解析（括号不成对）"


def inspect(text: str, home: str) -> tuple[list[Box], str | None]:
    """The boxes a formula of sheet ``home`` reads, and why it is refused (None: allowed)."""
    items = _tokens(text)
    if isinstance(items, str):
        return [], items
    boxes: list[Box] = []
    for token in items:
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            name = token.value[:-1].upper().removeprefix("_XLFN.").removeprefix("_XLWS.")
            if name in VOLATILE:
                return [], f"使用了易变函数 {name}（每次计算结果可能不同）"
            if name not in ALLOWED_FUNCTIONS:
                return [], f"使用了不支持的函数 {name or '（匿名）'}"
        elif token.type == Token.OPERAND and token.subtype == Token.RANGE:
            box = parse_range(token.value, home)
            if isinstance(box, str):
                return [], box
            boxes.append(box)
    return boxes, None


def _covers(box: Box, sheet: str, col: int, row: int) -> bool:
    return box[0] == sheet and box[1] <= col <= box[3] and box[2] <= row <= box[4]


def refusals(targets: Mapping[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """(sheet, address) → why its formula is not evaluated, for every refused target:
    unsafe by itself, or part of a cycle of references among the typed formulas."""
    refused: dict[tuple[str, str], str] = {}
    reads: dict[tuple[str, str], list[Box]] = {}
    for key, text in targets.items():
        boxes, why = inspect(text, key[0])
        if why is not None:
            refused[key] = why
        else:
            reads[key] = boxes
    where = {key: _corner(key[1]) for key in targets}
    edges = {
        key: [
            other
            for other in targets
            if where[other] is not None and any(_covers(b, other[0], *where[other]) for b in boxes)  # type: ignore[misc]
        ]
        for key, boxes in reads.items()
    }
    for key in edges:
        if _in_cycle(key, edges):
            refused[key] = "公式引用了自身（循环引用）"
    # a formula reading a refused formula cannot be computed either
    changed = True
    while changed:
        changed = False
        for key, deps in edges.items():
            if key not in refused and any(d in refused for d in deps):
                refused[key] = "公式引用的单元格中的公式无法计算"
                changed = True
    return refused


def _in_cycle(start: tuple[str, str], edges: Mapping[tuple[str, str], list[tuple[str, str]]]) -> bool:
    seen: set[tuple[str, str]] = set()
    stack = list(edges.get(start, []))
    while stack:
        node = stack.pop()
        if node == start:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, []))
    return False
