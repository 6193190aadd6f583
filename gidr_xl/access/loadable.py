"""Make a gated package loadable by openpyxl without changing what any cell says.

openpyxl turns ``<v>`` texts into numbers with ``int()``/``float()`` and dates with
``from_ISO8601`` while loading, and writes numbers back with ``isnan()``: a cell holding ``NaN``,
``1e309``, 400 digits or an impossible date makes it raise on load or save. The validator reports
such cells as findings (values.number_problem), so the annotated copy must still be written:
here those cells are re-typed as text (``t="str"``), keeping their characters, in the copy only.
Booleans spelled ``true``/``false`` and sheet states outside the schema are normalised the way
the reader reads them.
"""

from __future__ import annotations

import html
import io
import math
import re
import zipfile

from lxml import etree
from openpyxl.formula.translate import Translator
from openpyxl.utils.datetime import from_ISO8601
from openpyxl.worksheet.print_settings import PrintArea, PrintTitles

from gidr_xl.values import EXCEL_MAX

#: Parts here passed the gate (opening.py); entities stay unresolved all the same.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)

#: A cell start tag and its value, in the spelling every office suite writes (no prefixes).
#: Not a self-closing ``<c .../>``, and the value inside this cell (never reaching the next).
_CELL = re.compile(rb"<c(\s[^>]*?)?(?<!/)>((?:(?!</c>|<c[\s>/]).)*?)<v>([^<]*)</v>", re.S)
_TYPE = re.compile(rb'\st="([^"]*)"')


def _plain_number(text: bytes) -> bool:
    """Whether openpyxl reads and writes ``text`` as a number without error or loss."""
    try:
        value = float(text) if re.search(rb"[.eE]", text) else int(text)
    except (ValueError, OverflowError):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return abs(value) <= EXCEL_MAX


def _plain_date(text: bytes) -> bool:
    try:
        from_ISO8601(text.decode("utf-8").strip())
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError):
        return False
    return True


def _retype(match: re.Match[bytes]) -> bytes:
    attrs, inner, text = match.group(1) or b"", match.group(2), match.group(3)
    if not text.strip() or b"<f" in inner:  # openpyxl keeps a formula, not its cached value
        return match.group(0)
    kind = _TYPE.search(attrs)
    kind_name = kind.group(1) if kind else b"n"
    if kind_name == b"n" and _plain_number(text):
        return match.group(0)
    if kind_name == b"d" and _plain_date(text):
        return match.group(0)
    if kind_name == b"b" and text not in (b"0", b"1"):  # as the reader reads it: "true" or "1"
        flag = b"1" if text.strip() in (b"1", b"true") else b"0"
        return b"<c" + attrs + b">" + inner + b"<v>" + flag + b"</v>"
    if kind_name not in (b"n", b"d"):
        return match.group(0)
    attrs = _TYPE.sub(b"", attrs) + b' t="str"'
    return b"<c" + attrs + b">" + inner + b"<v>" + text + b"</v>"


_VALUE = re.compile(rb"<v>([^<]*)</v>")


#: An inline (``<is>``) or shared (``<si>``) string with more than one plain ``<t>``: runs,
#: phonetic runs (``<rPh>``), properties. openpyxl builds objects for each and raises on a
#: phonetic run without its required ``sb``/``eb``; it keeps only the joined text anyway
#: (``rich_text=False``), so the copy holds that text, as the reader reads it.
#: An item without another item's tag inside: linear on nested junk (each try stops at the
#: next ``<is>``/``<si>`` tag instead of scanning to the end of the part).
_STRING_ITEM = re.compile(rb"<(is|si)>((?:(?!</?(?:is|si)>).)*)</\1>", re.S)
_RICH = re.compile(rb"<(?:r|rPh|rPr|phoneticPr)[\s>/]")
_PHONETIC = re.compile(rb"<rPh[\s>].*?</rPh>|<rPh[^>]*/>", re.S)
_TEXT = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")


def _flatten(match: re.Match[bytes]) -> bytes:
    if not _RICH.search(match.group(2)):
        return match.group(0)
    tag, inner = match.group(1), _PHONETIC.sub(b"", match.group(2))
    text = b"".join(t.group(1) for t in _TEXT.finditer(inner))
    return b"<" + tag + b'><t xml:space="preserve">' + text + b"</t></" + tag + b">"


def loadable_strings(data: bytes) -> bytes:
    """A shared-strings or worksheet part whose strings are plain text."""
    return _STRING_ITEM.sub(_flatten, data) if b"<r" in data or b"<phoneticPr" in data else data


def unshared_formulas(data: bytes) -> bytes:
    """Shared formulas written out cell by cell, as Excel reads them (openpyxl translates the
    followers while loading and raises when one falls outside the sheet; Excel shows #REF!)."""
    if b't="shared"' not in data:
        return data
    root = etree.fromstring(data, _PARSER)
    ns = root.nsmap.get(None, "")
    cell_tag, formula_tag = (f"{{{ns}}}c", f"{{{ns}}}f") if ns else ("c", "f")
    masters: dict[str, Translator] = {}
    for cell in root.iter(cell_tag):
        formula = cell.find(formula_tag)
        if formula is None or formula.get("t") != "shared":
            continue
        si, address = formula.get("si", ""), cell.get("r", "")
        if formula.text:
            masters[si] = Translator("=" + formula.text, origin=address)
        elif si in masters and address:
            try:
                formula.text = masters[si].translate_formula(address)[1:]
            except Exception:
                formula.text = "#REF!"
        for attr in ("t", "si", "ref"):
            formula.attrib.pop(attr, None)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def loadable_sheet(data: bytes) -> bytes:
    """A worksheet part with plain inline strings and unreadable numbers and dates re-typed
    as text."""
    data = unshared_formulas(loadable_strings(data))
    # most values are plain numbers: look at cells one by one only when some value is not
    if all(_plain_number(m.group(1)) or not m.group(1).strip() for m in _VALUE.finditer(data)):
        return data
    return _CELL.sub(_retype, data)


#: A sheet's ``state`` outside ST_SheetState (ECMA-376 Part 1 §18.18.68): openpyxl refuses it,
#: the reader ignores it; the copy shows such a sheet (the default, "visible").
_BAD_STATE = re.compile(rb'(<(?:\w+:)?sheet\s[^>]*?)\sstate="(?!(?:visible|hidden|veryHidden)")[^"]*"')


#: A defined name with its value (names are written by every office suite in this spelling).
_DEFINED_NAME = re.compile(rb'<definedName\s[^>]*?name="([^"]*)"[^>]*?(?:/>|>([^<]*)</definedName>)')
_RESERVED_PARSERS = {
    b"_xlnm.Print_Titles": PrintTitles.from_string,
    b"_xlnm.Print_Area": PrintArea.from_string,
}


def _usable_name(match: re.Match[bytes]) -> bytes:
    """The defined name, or nothing for one openpyxl cannot load: empty, or a print area or
    print titles that are not references (openpyxl parses those two while loading)."""
    name, value = match.group(1), (match.group(2) or b"").strip()
    if not value:
        return b""
    parse = _RESERVED_PARSERS.get(name)
    if parse is not None:
        try:
            parse(html.unescape(value.decode("utf-8")))
        except (ValueError, TypeError, UnicodeDecodeError):
            return b""
    return match.group(0)


def loadable_workbook(data: bytes) -> bytes:
    """The workbook part with sheet states and defined names openpyxl accepts."""
    return _DEFINED_NAME.sub(_usable_name, _BAD_STATE.sub(rb"\1", data))


_MAIN_TYPES = (
    b"spreadsheetml.sheet.main+xml",
    b"sheet.macroEnabled.main+xml",
    b"spreadsheetml.template.main+xml",
)
_MAIN_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def loadable_content_types(data: bytes, workbook: str) -> bytes:
    """Content types that name the workbook part (openpyxl finds it only that way; the reader
    follows the package relationships)."""
    if any(t in data for t in _MAIN_TYPES):
        return data
    part = b"/" + workbook.encode("utf-8")
    data = re.sub(rb'<Override\s[^>]*PartName="' + re.escape(part) + rb'"[^>]*/>', b"", data)
    override = b'<Override PartName="' + part + b'" ContentType="' + _MAIN_TYPE + b'"/>'
    return data.replace(b"</Types>", override + b"</Types>") if b"</Types>" in data else data


def _workbook_part(members: dict[str, bytes]) -> str:
    """The main part the package relationships point at (``xl/workbook.xml`` as a rule)."""
    rels = members.get("_rels/.rels", b"")
    found = re.search(rb'Type="[^"]*/officeDocument"[^>]*Target="/?([^"]+)"', rels) or re.search(
        rb'Target="/?([^"]+)"[^>]*Type="[^"]*/officeDocument"', rels
    )
    return found.group(1).decode("utf-8", "replace") if found else "xl/workbook.xml"


def loadable(members: dict[str, bytes]) -> io.BytesIO | None:
    """A zip openpyxl can load, or None when the members need no change."""
    changed = {}
    for name, data in members.items():
        if "/worksheets/" in name and name.endswith(".xml"):
            fixed = loadable_sheet(data)
        elif name.endswith("workbook.xml"):
            fixed = loadable_workbook(data)
        elif name.endswith("sharedStrings.xml"):
            fixed = loadable_strings(data)
        elif name == "[Content_Types].xml":
            fixed = loadable_content_types(data, _workbook_part(members))
        else:
            continue
        if fixed != data:
            changed[name] = fixed
    if not changed:
        return None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, changed.get(name, data))
    out.seek(0)
    return out
