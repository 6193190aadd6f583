"""Spans of report text that must stay on one line: numbers, dates, phone and document numbers.

GB/T 9704 text is justified Chinese; LibreOffice's Chinese line breaker may split a digit run
(“20 / 25 年”, “010-000000 / 00”). Writers put each span in its own run (Latin language, so
that digits are one word) and join its parts with U+2060 WORD JOINER; HTML uses ``nowrap``.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"

#: Longest first: a document number, a full date, a phone number, then a number with its unit.
_SPAN = re.compile(
    r"[〔\[［]\d{4}[〕\]］]\d+号"
    r"|\d{4}年\d{1,2}月(?:\d{1,2}日)?"
    r"|\d{1,2}月\d{1,2}日"
    r"|\d+(?:-\d+)+"
    r"|\d+(?:\.\d+)?(?:%|万元|元|年度|年|月|日|号|件|个|次|条|项|人次|人|家|天|篇|期|场|余)?"
)


def spans(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (part, keep-whole) pieces, in order; joined they give ``text``."""
    out: list[tuple[str, bool]] = []
    at = 0
    for match in _SPAN.finditer(text):
        if match.start() > at:
            out.append((text[at : match.start()], False))
        out.append((match.group(), True))
        at = match.end()
    if at < len(text):
        out.append((text[at:], False))
    return out


def joined(span: str) -> str:
    """``span`` with word joiners where a digit meets a bracket or hyphen (never inside digits).

    A Latin run language keeps digits together; the joiners keep 〔2019〕138 and 010-1234567
    together. Number and unit (2019年, 138号) are left free so that the text of the .docx
    stays what a reader (or gidr import) searches for; they may part at a line end, as in Word.
    """
    return re.sub(r"(?<=\d)(?=[-〕\]］])|(?<=[-〔〕\[\]［］])(?=\d)", WORD_JOINER, span)
