"""Excel formula texts compared by meaning, not spelling.

Office suites rewrite formulas when they save (LibreOffice writes ``FALSE()`` for ``FALSE`` and
drops quotes around sheet names; Excel may add ``_xlfn.`` prefixes, change the case of
references or the spelling of numbers): :func:`formula_key` is the same for all of them.
"""

from __future__ import annotations

import re

from openpyxl.formula.tokenizer import Token, Tokenizer

_QUOTED_SHEET = re.compile(r"^'((?:[^']|'')*)'!(.*)$", re.DOTALL)
#: Prefixes Excel writes before functions newer than Excel 2007 (MS-XLSX §2.2.2)
_FUNCTION_PREFIXES = ("_XLFN.", "_XLWS.")
#: A sheet name that needs no quotes in a reference: no spaces or punctuation, not a number
_PLAIN_SHEET = re.compile(r"^[^\W\d]\w*$")

FormulaKey = tuple[tuple[str, str], ...]


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside quoted sheet names (the Tokenizer returns a whole range,
    ``'a:b'!A1:B2``, as one operand and has no splitter for it)."""
    parts, current, quoted = [], [], False
    for ch in text:
        if ch == "'":
            quoted = not quoted  # '' inside a quoted name toggles twice: no harm
        if ch == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _reference_key(text: str) -> str:
    """A reference or name, as one comparable string: sheet names unquoted, no ``$``, one case
    (Excel's sheet names, names and A1 references are case-insensitive); ``S!A1:S!B2`` is ``S!A1:B2``."""
    out = []
    first_sheet = None
    for i, part in enumerate(_split_outside_quotes(text, ":")):
        quoted = _QUOTED_SHEET.match(part)
        if quoted:
            sheet, ref = quoted.group(1).replace("''", "'"), quoted.group(2)
        elif "!" in part:
            sheet, _, ref = part.partition("!")
        else:
            sheet, ref = None, part
        sheet = None if sheet is None else sheet.upper()
        if i == 0:
            first_sheet = sheet
        elif sheet is not None and sheet == first_sheet:
            sheet = None
        ref = ref.replace("$", "").upper()
        out.append(ref if sheet is None else f"[{sheet}]{ref}")
    return ":".join(out)


def _number_key(text: str) -> str:
    try:
        return repr(float(text))
    except ValueError:
        return text.upper()


def formula_key(text: object) -> FormulaKey:
    """A formula's tokens with what office suites legitimately change normalised away.

    Kept significant: function names, operators, argument order, string literals (quotes and
    case). Normalised: whitespace, ``$``, case of functions/references/names, quotes around
    sheet names, ``_xlfn.``/``_xlws.`` prefixes, ``TRUE()``/``FALSE()`` vs ``TRUE``/``FALSE``,
    the spelling of numbers (``1``, ``1.0``, ``1E+0``). Text that is not a formula, or cannot
    be tokenised, is its own key (equal only to itself).
    """
    if not isinstance(text, str) or not text.startswith("="):
        return (("VALUE", repr(text)),)
    try:
        items = Tokenizer(text).items
    except Exception:  # a malformed formula (TokenizerError and others) is compared as text
        return (("UNPARSED", text),)
    out: list[tuple[str, str]] = []
    skip_close = False
    for n, tok in enumerate(items):
        kind, sub, value = tok.type, tok.subtype, tok.value
        if kind == Token.WSPACE:
            continue
        if kind == Token.FUNC and sub == Token.OPEN:
            name = value[:-1].upper()
            while name.startswith(_FUNCTION_PREFIXES):
                name = name.partition(".")[2]
            after = items[n + 1] if n + 1 < len(items) else None
            if (
                name in ("TRUE", "FALSE")
                and after is not None
                and after.type == Token.FUNC
                and after.subtype == Token.CLOSE
            ):
                out.append((Token.LOGICAL, name))
                skip_close = True
                continue
            out.append(("FUNC", name))
        elif kind == Token.FUNC and sub == Token.CLOSE and skip_close:
            skip_close = False
        elif kind == Token.OPERAND and sub == Token.RANGE:
            if value.upper() in ("TRUE", "FALSE"):  # the Tokenizer knows only upper-case logicals
                out.append((Token.LOGICAL, value.upper()))
            else:
                out.append(("RANGE", _reference_key(value)))
        elif kind == Token.OPERAND and sub == Token.NUMBER:
            out.append(("NUMBER", _number_key(value)))
        elif kind == Token.OPERAND and sub in (Token.LOGICAL, Token.ERROR):
            out.append((sub, value.upper()))
        else:
            out.append((f"{kind}:{sub}", value))
    return tuple(out)


def _unquoted(ref: str) -> str:
    """``'表三'!H18`` → ``表三!H18`` where the sheet name needs no quotes."""
    quoted = _QUOTED_SHEET.match(ref)
    if quoted and _PLAIN_SHEET.match(quoted.group(1)):
        return f"{quoted.group(1)}!{quoted.group(2)}"
    return ref


def libreoffice_spelling(formula: str) -> str:
    """How LibreOffice Calc writes ``formula`` into an .xlsx: ``TRUE()``/``FALSE()`` for logical
    constants, no quotes around plain sheet names. Comparing with it first spares tokenising
    each of the ~860 check formulas of a workbook re-saved by LibreOffice (70 ms)."""
    parts = ["="]
    for tok in Tokenizer(formula).items:
        if tok.type == Token.OPERAND and tok.subtype == Token.LOGICAL:
            parts.append(tok.value.upper() + "()")
        elif tok.type == Token.OPERAND and tok.subtype == Token.RANGE:
            parts.append(_unquoted(tok.value))
        else:
            parts.append(tok.value)
    return "".join(parts)
