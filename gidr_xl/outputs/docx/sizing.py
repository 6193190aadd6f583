"""Column widths from the table's text: numbers as narrow as they allow, labels get the rest.

Every word of a header fits on one line of its cell (words from gidr_xl/data/report/words.yaml),
and label cells get explicit line breaks between words, so neither Word nor LibreOffice breaks
“商业企业” as “商业企/业”.
"""

from __future__ import annotations

from dataclasses import dataclass

from gidr_xl.outputs.document import GridCell, Table
from gidr_xl.outputs.words import em, keeps_words, longest_word, wrap

#: A body label that may wrap freely still needs this many characters of width.
FREE_LABEL_MIN = 4.0
#: A label column does not need to be wider than this to keep its text short.
LABEL_PREF_MAX = 12.0
#: Width estimate slack per cell (em): glyph widths of the PDF's fonts differ a little.
SLACK = 0.25


@dataclass(frozen=True)
class Fit:
    """Column widths in points, the font size, and label cells' lines (row, col) → lines."""

    widths: tuple[float, ...]
    size: float
    lines: dict[tuple[int, int], tuple[str, ...]]


def _strict(table: Table, cell: GridCell) -> bool:
    return keeps_words(cell.text, cell.row < table.header_rows)


def _needs(table: Table) -> tuple[list[float], list[float], list[bool]]:
    need, pref = [0.0] * table.n_cols, [0.0] * table.n_cols
    numeric = [False] * table.n_cols
    for cell in table.cells:
        if cell.colspan != 1 or not cell.text:
            continue
        c = cell.col
        if cell.header:
            word, strict = longest_word(cell.text), _strict(table, cell)
            need[c] = max(need[c], word if strict else min(word, FREE_LABEL_MIN))
            # a label merged over several rows has the height to stack its words
            wanted = word if strict and cell.rowspan > 1 else em(cell.text)
            pref[c] = max(pref[c], min(wanted, LABEL_PREF_MAX))
        else:
            numeric[c] = numeric[c] or cell.numeric
            need[c] = max(need[c], em(cell.text))
            pref[c] = max(pref[c], em(cell.text))
    for cell in table.cells:  # a strict label over several columns needs its longest word
        if cell.colspan > 1 and cell.header and _strict(table, cell):
            cols = range(cell.col, cell.col + cell.colspan)
            short = longest_word(cell.text) + SLACK * (cell.colspan - 1) - sum(need[c] for c in cols)
            for c in cols:
                need[c] += max(short, 0) / cell.colspan
    if any(numeric):  # number columns of one table share one width
        widest = max(n for n, is_num in zip(need, numeric, strict=True) if is_num)
        need = [widest if is_num else n for n, is_num in zip(need, numeric, strict=True)]
    pref = [max(p, n) for p, n in zip(pref, need, strict=True)]
    return need, pref, numeric


def _grow(widths: list[float], target: list[float], cols: list[int], extra: float) -> float:
    """Grow ``cols`` toward ``target`` in proportion to their gaps; returns what is left."""
    gap = sum(target[c] - widths[c] for c in cols)
    if gap <= 0 or extra <= 0:
        return extra
    share = min(1.0, extra / gap)
    for c in cols:
        widths[c] += (target[c] - widths[c]) * share
    return extra - gap * share


def fit(table: Table, total_pt: float, size_pt: float, margin_pt: float, comfort: float = 0.0) -> Fit | None:
    """Widths for ``table`` in ``total_pt`` at ``size_pt``; None when its words do not fit.

    ``comfort``: the share of their preferred extra width that label columns must get (else
    None: the caller tries a smaller size, so that long labels do not wrap into many lines).
    """
    pad = 2 * margin_pt / size_pt + SLACK
    need, pref, numeric = _needs(table)
    total = total_pt / size_pt - pad * table.n_cols
    if sum(need) > total:
        return None
    widths = list(need)
    labels = [c for c in range(table.n_cols) if not numeric[c]]
    numbers = [c for c in range(table.n_cols) if numeric[c]]
    extra = total - sum(need)
    label_gap = sum(pref[c] - need[c] for c in labels)
    if label_gap > 0 and extra / label_gap < comfort:
        return None
    extra = _grow(widths, pref, labels, extra)
    extra = _grow(widths, [max(pref[c] for c in numbers)] * table.n_cols if numbers else pref, numbers, extra)
    rest = labels or list(range(table.n_cols))
    for c in rest:
        widths[c] += extra / len(rest)
    lines = {}
    for cell in table.cells:
        if cell.header and cell.text:
            room = sum(widths[cell.col : cell.col + cell.colspan]) + pad * (cell.colspan - 1)
            wrapped = wrap(cell.text, room)
            if wrapped is not None:
                lines[(cell.row, cell.col)] = wrapped
    return Fit(tuple((w + pad) * size_pt for w in widths), size_pt, lines)
