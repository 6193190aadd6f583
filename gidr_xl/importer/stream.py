"""A report's lines as one character stream: where labels are, and which digits follow them.

Published tables arrive in every shape: one cell per line, a row per line, or (text crawled
from web pages) a whole table on one line with the cells run together. The stream removes
the shape: ``flat`` is the text without blanks, ``bounds`` remembers where a blank, a cell
edge or a line break was (a blank is a cell boundary, never part of a number), and the
*skeleton* keeps only the Chinese characters, so a label is found whatever digits, spaces or
punctuation were glued to it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz

from gidr_xl.importer.sources import Line

#: One-for-one character normalisation (positions in ``flat`` stay aligned with the source).
_ONE_TO_ONE = str.maketrans(
    {"(": "（", ")": "）", "．": ".", ",": "，", ":": "：", "－": "-", "—": "-", "～": "~", "、": "、"}
    | {chr(0xFF10 + d): str(d) for d in range(10)}
)
UNITS = ("万元", "元", "笔", "件", "个", "项", "宗")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_TAIL = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{1,2}(?=\d)")
_YEAR = re.compile(r"(19|20)\d\d$")


@dataclass(frozen=True)
class Found:
    """A label located in the stream: ``start``/``end`` are positions in ``flat``."""

    start: int
    end: int
    score: float
    core: int = -1  # where the label's words begin (after an item number such as "7.")


@dataclass(frozen=True)
class Run:
    """Digits found for one row: the groups between boundaries, and where they were read."""

    groups: tuple[str, ...]
    where: str

    @property
    def text(self) -> str:
        return " ".join(self.groups)


class Stream:
    def __init__(self, lines: list[Line]) -> None:
        chars: list[str] = []
        self.bounds: set[int] = set()
        self._line_at: list[int] = []  # flat position where each line starts
        self.lines = lines
        for line in lines:
            self._line_at.append(len(chars))
            self.bounds.add(len(chars))
            for piece in line.cells or (line.text,):
                for word in piece.split():
                    self.bounds.add(len(chars))
                    chars.extend(word)
                self.bounds.add(len(chars))
        self.flat = "".join(chars).translate(_ONE_TO_ONE)
        self.bounds.add(len(self.flat))

    def where(self, pos: int) -> str:
        """The source position of flat[pos] (with the character offset inside long lines)."""
        if not self.lines:
            return ""
        index = max(bisect_right(self._line_at, pos) - 1, 0)
        line = self.lines[index]
        if len(line.text) > 200:
            return f"{line.where}约第 {pos - self._line_at[index] + 1} 字"
        return line.where

    def line_bounds(self, index: int) -> tuple[int, int]:
        stop = self._line_at[index + 1] if index + 1 < len(self._line_at) else len(self.flat)
        return self._line_at[index], stop

    def line_span(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """(line index, flat start, flat end) of every line that overlaps flat[start:end]."""
        out = []
        for i, at in enumerate(self._line_at):
            stop = self._line_at[i + 1] if i + 1 < len(self._line_at) else len(self.flat)
            if stop > start and at < end:
                out.append((i, max(at, start), min(stop, end)))
        return out

    # -- skeleton: Chinese characters only -------------------------------------------------------
    @cached_property
    def _skeleton(self) -> tuple[str, list[int]]:
        positions = [i for i, ch in enumerate(self.flat) if _CJK.match(ch)]
        return "".join(self.flat[i] for i in positions), positions

    def _to_skel(self, pos: int) -> int:
        return bisect_right(self._skeleton[1], pos - 1)

    def occurrences(self, label: str, lo: int, hi: int, fuzzy: bool = True) -> list[Found]:
        """Where ``label`` (compared by its Chinese characters) occurs in flat[lo:hi]."""
        skel, positions = self._skeleton
        key = skeleton(label)
        if not key:
            return []
        a, b = self._to_skel(lo), self._to_skel(hi)
        out: list[Found] = []
        at = skel.find(key, a, b)
        while at != -1 and at + len(key) <= b:
            out.append(Found(positions[at], positions[at + len(key) - 1] + 1, 100.0))
            at = skel.find(key, at + 1, b)
        if out or not fuzzy or len(key) < 4:
            return out
        # Misprinted labels (不子公开, 行政法复议, 案件 for 案卷): best windows scoring ≥ 80.
        hits: list[tuple[float, int, int]] = []
        for s in range(a, max(a, b - len(key) + 2)):
            for size in (len(key) - 1, len(key), len(key) + 1):
                if s + size > b:
                    continue
                score = fuzz.ratio(key, skel[s : s + size])
                if score >= 80:
                    hits.append((score, s, s + size))
        hits.sort(key=lambda h: (-h[0], h[1]))
        taken: list[tuple[int, int]] = []
        for score, s, e in hits:
            if all(e <= ts or s >= te for ts, te in taken):
                taken.append((s, e))
                end = positions[e - 1] + 1
                # a misprint one character longer (案件 for 案卷) ends where the row's digits begin
                tail = _TAIL.match(self.flat, end)
                out.append(Found(positions[s], tail.end() if tail else end, score))
        return sorted(out, key=lambda f: f.start)

    # -- digits ---------------------------------------------------------------------------------
    def run_after(self, pos: int, stop: int) -> tuple[list[str], int]:
        """The numeric cells that start at ``pos`` (blanks split groups), and where they end.

        A unit (元, 万元, 笔 …) ends its number. Digits directly followed by 年 end with a year
        of the next sentence (``02025年，我局…``): those four digits are not table cells.
        """
        flat = self.flat
        i = pos
        while i < stop and flat[i] in '）：:。；，”’"》】]':
            i += 1
        groups: list[str] = []
        current: list[str] = []
        while i < stop:
            ch = flat[i]
            if i in self.bounds and current:
                groups.append("".join(current))
                current = []
            if ch.isdigit() or (ch == "." and current and i + 1 < stop and flat[i + 1].isdigit()):
                current.append(ch)
                i += 1
            elif ch == "-" and i + 1 < stop and flat[i + 1].isdigit():
                current.append(ch)  # "88-720": a sign starts the next cell inside the group
                i += 1
            else:
                unit = next((u for u in UNITS if flat.startswith(u, i)), None)
                if unit and current and current[-1].isdigit():
                    current.append(unit)
                    groups.append("".join(current))
                    current = []
                    i += len(unit)
                    continue
                break
        if current:
            groups.append("".join(current))
        if groups and i < len(flat) and flat[i] == "年" and groups[-1][-1:].isdigit():
            last = groups[-1]
            if _YEAR.search(last):
                groups[-1] = last[:-4]
                i -= 4
                if not groups[-1]:
                    groups.pop()
        return groups, i

    def digits_inside(self, start: int, end: int) -> list[str]:
        """Digit groups inside a label's span (a PDF label wrapped around its row's numbers)."""
        out: list[str] = []
        i = start
        while i < end:
            if self.flat[i].isdigit():
                groups, j = self.run_after(i, end)
                out.extend(groups)
                i = max(j, i + 1)
            else:
                i += 1
        return out


def skeleton(text: str) -> str:
    """The Chinese characters of ``text`` (how labels are compared)."""
    return "".join(_CJK.findall(text))


def best_chain(candidates: list[list[Found]]) -> list[Found | None]:
    """One occurrence per label, in increasing order, with the highest total score.

    Labels of a table appear in statutory order; a label that is missing from the
    published table (or only occurs out of order, e.g. in the narrative) is left out.
    """
    n = len(candidates)
    # best[i][j]: (total score, -position) of the best chain ending with candidate j of label i
    best: list[list[tuple[float, int | None, int | None]]] = []
    for i in range(n):
        row = []
        for cand in candidates[i]:
            top: tuple[float, int | None, int | None] = (cand.score, None, None)
            for pi in range(i):
                for pj, prev in enumerate(candidates[pi]):
                    if prev.end <= cand.start:
                        total = best[pi][pj][0] + cand.score
                        if total > top[0] + 1e-9:
                            top = (total, pi, pj)
            row.append(top)
        best.append(row)
    end = None
    top_score = -1.0
    for i in range(n):
        for j, entry in enumerate(best[i]):
            if entry[0] > top_score + 1e-9:
                top_score, end = entry[0], (i, j)
    chosen: list[Found | None] = [None] * n
    while end is not None:
        i, j = end
        chosen[i] = candidates[i][j]
        _, pi, pj = best[i][j]
        end = (pi, pj) if pi is not None and pj is not None else None
    return chosen


@dataclass(frozen=True)
class Section:
    key: str
    start: int  # where the heading begins
    body: int  # where its content begins (after the heading)


def find_sections(stream: Stream, headings: dict[str, dict[str, list[str]]]) -> dict[str, Section]:
    """The six statutory headings, in order: ``二、…主动公开…`` with no digits or sentence end
    in between (so the table-三 row ``四、结转下年度继续办理0…`` is never taken for ``四、…复议``)."""
    found: dict[str, Section] = {}
    cursor = 0
    for key, spec in headings.items():
        numerals = "|".join(map(re.escape, spec["numerals"]))
        words = "|".join(map(re.escape, spec["words"]))
        pattern = re.compile(rf"(?:{numerals})、[^\d。，；]{{0,16}}?(?:{words})")
        match = next(
            (m for m in pattern.finditer(stream.flat, cursor) if _starts_heading(stream, m.start())), None
        )
        if match is None:
            continue
        body = match.end()
        tail = re.match(r"[^\d。，；]{0,12}?(?:情况|事项)", stream.flat[body:])
        if tail:
            body += tail.end()
        found[key] = Section(key, match.start(), body)
        cursor = body
    return found


def _starts_heading(stream: Stream, pos: int) -> bool:
    """A numeral begins a heading unless it continues a number or a numeral (三三、 24、)."""
    if pos == 0 or pos in stream.bounds:
        return True
    before = stream.flat[pos - 1]
    if stream.flat[pos].isdigit():
        return not before.isdigit()
    return before not in "一二三四五六七八九十"
