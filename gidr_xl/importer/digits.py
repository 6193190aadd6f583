"""Split a run of digits back into the table's numbers, using the table's own arithmetic.

Text flattened from HTML often loses the separators: ``230 000023`` for the seven cells
23, 0, 0, 0, 0, 0, 23. Every split into numbers without leading zeros is enumerated, with a
check that prunes partial splits (e.g. a group's total must equal the sum of its parts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

MAX_DIGITS_PER_NUMBER = 7
MAX_SPLITS = 50

#: Called with the numbers chosen so far; False prunes this branch.
Check = Callable[[list[int]], bool]


def splits(digits: str, parts: int, check: Check) -> Iterator[list[int]]:
    """Every way to cut ``digits`` into ``parts`` numbers that passes ``check`` at each step."""

    def walk(start: int, chosen: list[int]) -> Iterator[list[int]]:
        left = parts - len(chosen)
        if left == 0:
            if start == len(digits):
                yield list(chosen)
            return
        remaining = len(digits) - start
        if remaining < left or remaining > left * MAX_DIGITS_PER_NUMBER:
            return
        for end in range(start + 1, min(len(digits), start + MAX_DIGITS_PER_NUMBER) + 1):
            piece = digits[start:end]
            if len(piece) > 1 and piece[0] == "0":
                break  # no leading zeros: "05" is never a cell value
            chosen.append(int(piece))
            if check(chosen):
                yield from walk(end, chosen)
            chosen.pop()

    yield from walk(0, [])


def row_total_check(parts: int) -> Check:
    """Table 三 row: the last number is the sum of the others."""

    def check(chosen: list[int]) -> bool:
        if len(chosen) < parts:
            return sum(chosen) >= 0
        return chosen[-1] == sum(chosen[:-1])

    return check


def grouped_total_check(group: int) -> Check:
    """Table 四: every ``group`` numbers end with their total (结果维持…尚未审结, 总计)."""

    def check(chosen: list[int]) -> bool:
        if len(chosen) % group == 0:
            block = chosen[-group:]
            return block[-1] == sum(block[:-1])
        return True

    return check


def candidate_splits(digits: str, parts: int, check: Check) -> list[list[int]]:
    out = []
    for found in splits(digits, parts, check):
        out.append(found)
        if len(out) >= MAX_SPLITS:
            break
    return out


# -- cells with separators, signs, decimals and units ---------------------------------------------

MAX_DIGITS_PER_CELL = 10  # amounts in 元 reach 8 digits (12762137元)
_PIECE = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?P<unit>万元|元|笔|件|个|项|宗)?")

#: Called with the values chosen so far (as numbers); False prunes this branch.
ValueCheck = Callable[[list[float]], bool]


def piece_value(piece: str) -> int | float:
    """``"547.9659万元"`` → 547.9659; ``"-72"`` → -72 (the unit is not part of the value)."""
    match = _PIECE.fullmatch(piece)
    if match is None:
        raise ValueError(piece)
    text = piece[: match.start("unit")] if match.group("unit") else piece
    return float(text) if "." in text else int(text)


def piece_unit(piece: str) -> str:
    match = _PIECE.fullmatch(piece)
    return (match.group("unit") or "") if match else ""


def _group_pieces(group: str, start: int) -> Iterator[tuple[str, int]]:
    """Every cell that can start at ``start`` of ``group`` (no leading zeros, unit only at the end)."""
    for end in range(start + 1, len(group) + 1):
        piece = group[start:end]
        match = _PIECE.fullmatch(piece)
        digits = sum(ch.isdigit() for ch in piece.split(".")[0])
        if digits > MAX_DIGITS_PER_CELL:
            return
        if match is None or piece == "-0":
            continue
        if match.group("unit") and end != len(group):
            continue
        yield piece, end


def group_splits(
    groups: list[str], parts: int, check: ValueCheck | None = None, limit: int = MAX_SPLITS
) -> list[list[str]]:
    """Every reading of ``groups`` as ``parts`` cells; each group (between blanks) gives ≥ 1 cell.

    A blank is a cell boundary, never part of a number, so cells never straddle groups.
    """
    out: list[list[str]] = []
    values: list[float] = []
    chosen: list[str] = []

    def walk(g: int, pos: int) -> None:
        if len(out) >= limit:
            return
        if g == len(groups):
            if len(chosen) == parts:
                out.append(list(chosen))
            return
        if len(chosen) + (len(groups) - g) > parts:
            return  # every group still to read gives at least one cell
        for piece, end in _group_pieces(groups[g], pos):
            if len(chosen) >= parts:
                return
            chosen.append(piece)
            values.append(piece_value(piece))
            if check is None or check(values):
                if end == len(groups[g]):
                    walk(g + 1, 0)
                else:
                    walk(g, end)
            chosen.pop()
            values.pop()

    walk(0, 0)
    return out
