"""Integrity of a returned workbook's live checks: every check formula still as generated.

Validation never uses these formulas (it recomputes every rule in Python); but a deleted or
overwritten check formula shows staff a wrong 通过, so each one is reported at its cell.

Formulas are compared by meaning, not spelling: office suites rewrite them when they save
(LibreOffice writes ``FALSE()`` for ``FALSE`` and drops quotes around sheet names; Excel may
add ``_xlfn.`` prefixes, change the case of references or the spelling of numbers).
"""

from __future__ import annotations

import re

from openpyxl.formula.tokenizer import Token, Tokenizer

from gidr_xl.model import FormatSpec, Severity
from gidr_xl.rules.catalog import instances
from gidr_xl.rules.excel import compile_instance
from gidr_xl.spec.addresses import split_address
from gidr_xl.template.layout import CheckCell, check_cells, ref_from
from gidr_xl.validate.findings import Finding, FindingCell

CHECK_FORMULA = "check-formula"
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


def check_extent(spec: FormatSpec) -> dict[str, tuple[int, int]]:
    """Per sheet, the bottom-right corner of the check cells."""
    out: dict[str, tuple[int, int]] = {}
    for _, where, _, _, _ in _expected(spec):
        col, row = split_address(where.address)
        c, r = out.get(where.sheet, (0, 0))
        out[where.sheet] = (max(c, col), max(r, row))
    return out


_Expected = tuple[str, CheckCell, str, frozenset[str], FormulaKey]
_EXPECTED: dict[str, list[_Expected]] = {}


def _expected(spec: FormatSpec) -> list[_Expected]:
    """(instance id, check cell, formula, spellings of the same formula, its key), once per format."""
    if spec.sha256 not in _EXPECTED:
        cells = check_cells(spec)
        rows = []
        for inst in instances(spec):
            formula = compile_instance(inst, ref_from(cells[inst.id].sheet, spec))
            spellings = frozenset({formula, libreoffice_spelling(formula)})
            rows.append((inst.id, cells[inst.id], formula, spellings, formula_key(formula)))
        _EXPECTED[spec.sha256] = rows
    return _EXPECTED[spec.sha256]


def check_formula_findings(spec: FormatSpec, grid: dict[tuple[str, str], object]) -> list[Finding]:
    out = []
    for inst_id, where, expected, spellings, key in _expected(spec):
        actual = grid.get((where.sheet, where.address))
        # cheap before exact: a known spelling is a set lookup, tokenising costs ~80 µs
        if actual is not None and (actual in spellings or formula_key(actual) == key):
            continue
        what = "被删除" if actual is None else "被改动"
        out.append(
            Finding(
                code=CHECK_FORMULA,
                severity=Severity.WARNING,
                title="校验公式被删除或改动",
                message=f"{where.sheet}!{where.address} 是规则 {inst_id} 的实时校验公式，已{what}，工作簿中显示的校验结果不可信"
                "（本次校验不依赖该公式）。请用 gidr new 重新生成模板，或从原模板复制该公式。",
                instance=f"{CHECK_FORMULA}[{inst_id}]",
                cells=(FindingCell(f"{where.sheet}!{where.address}", "", actual),),
                expected=expected,
                actual=actual,
                anchor=f"{where.sheet}!{where.address}",
            )
        )
    return out
