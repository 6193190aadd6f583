"""Names people type (organs, users, the organ on a new workbook): one check for all of them."""

from __future__ import annotations

import unicodedata

from gidr_xl.errors import UsageError

#: Control, format (bidi, zero-width), surrogate, private-use, unassigned and line/paragraph
#: separator characters: invisible or refused by a workbook, never part of a name.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
#: Longest organ name (the server stores 200 characters).
ORG_LONGEST = 200


def clean_name(name: str, what: str, longest: int) -> str:
    """``name`` in NFC without surrounding spaces; UsageError (naming ``what``) when empty, too
    long or with hidden characters."""
    text = unicodedata.normalize("NFC", str(name)).strip()
    if not text:
        raise UsageError(f"{what}不能为空。")
    if len(text) > longest:
        raise UsageError(f"{what}最长 {longest} 个字符。")
    if any(unicodedata.category(ch) in _HIDDEN for ch in text):
        raise UsageError(f"{what}含有控制字符或不可见字符，请重新输入。")
    return text
