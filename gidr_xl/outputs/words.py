"""Table labels as words (from gidr_xl/data/report/words.yaml) and their printed width.

Widths are in em of the table font: CJK characters are one em, ASCII about half an em.
"""

from __future__ import annotations

import re
from functools import lru_cache

from gidr_xl.resources import data, load_yaml

#: Generic boundaries for labels that the data file does not list.
_GENERIC = re.compile(r"(?<=[、，：；）》])|(?=[（《])")
ASCII_EM = 0.55


@lru_cache(maxsize=1)
def _listed() -> dict[str, tuple[str, ...]]:
    entries = load_yaml(data("report", "words.yaml").read_text(encoding="utf-8"))["words"]
    return {entry.replace("|", ""): tuple(entry.split("|")) for entry in entries}


def words(label: str) -> tuple[str, ...]:
    """The words of ``label``, in order; joined they give ``label``."""
    listed = _listed().get(label)
    if listed is not None:
        return listed
    return tuple(part for part in _GENERIC.split(label) if part)


def em(text: str) -> float:
    """Printed width of ``text`` in em."""
    return sum(ASCII_EM if ch.isascii() else 1.0 for ch in text)


def longest_word(label: str) -> float:
    return max((em(w) for w in words(label)), default=0.0)


def wrap(label: str, width: float) -> tuple[str, ...] | None:
    """``label`` packed into lines of at most ``width`` em, broken only between words.

    None when a word is wider than ``width`` (the cell then wraps freely).
    """
    lines: list[str] = []
    for word in words(label):
        if em(word) > width:
            return None
        if lines and em(lines[-1] + word) <= width:
            lines[-1] += word
        else:
            lines.append(word)
    return tuple(lines)


#: A label whose longest word is at most this wide never breaks inside a word.
STRICT_WORD_MAX = 6.0


def keeps_words(label: str, header: bool) -> bool:
    """Header cells and short labels break only between words; long body labels wrap freely."""
    return header or longest_word(label) <= STRICT_WORD_MAX
