"""Split a run of digits back into the table's numbers, using the table's own arithmetic.

Text flattened from HTML often loses the separators: ``230 000023`` for the seven cells
23, 0, 0, 0, 0, 0, 23. Every split into numbers without leading zeros is enumerated, with a
check that prunes partial splits (e.g. a group's total must equal the sum of its parts).
"""

from __future__ import annotations

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
