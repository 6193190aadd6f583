"""Stream the raw contents of chosen cells out of an .xlsx (values, or formulas as ``=...``).

Why not openpyxl here: loading our 10-sheet template with openpyxl (even read-only) parses
every sheet, ~350 defined names and all styles, which takes 100–250 ms; validation must stay
well under 100 ms (``benchmarks/``). This reader parses only the sheets asked for (lxml, entities never
resolved, no network; small parts through defusedxml) and stops at the last wanted row. It
returns cell *contents*: a formula's text, never its cached result.
openpyxl is still used for everything it is good at (writing, annotating).

It reads what Excel, WPS and LibreOffice write (ECMA-376 Part 1 / ISO/IEC 29500):
shared and array formulas (§18.3.1.40), cells and rows without ``r`` (§18.3.1.4, §18.3.1.73),
inline and shared strings with rich-text runs, phonetic runs excluded (§18.4.8, §18.4.6),
``b``/``e``/``str``/``d`` cells, and Strict as well as Transitional namespaces.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from defusedxml.ElementTree import parse
from lxml import etree
from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import get_column_letter
from openpyxl.utils.datetime import from_ISO8601

from gidr_xl.opening import Package
from gidr_xl.values import ExcelError

#: SpreadsheetML main namespace: Transitional, and Strict (ISO/IEC 29500-1 Strict, Annex A)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_REL_IDS = (
    "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id",
    "{http://purl.oclc.org/ooxml/officeDocument/relationships}id",
)
#: Package (OPC) relationships keep one namespace in both conformance classes
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

Cells = dict[tuple[str, str], object]
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
#: ``<c r="B3" ...><f ...>text</f>`` or ``<f .../>`` (a shared-formula follower), default namespace
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f(\s[^>]*?)?(?:/>|>([^<]*)</f>)')
_F_ATTR = re.compile(rb'\b(t|si)="([^"]*)"')


def _iterparse(source, events: tuple[str, ...], tag: str | tuple[str, ...] | None = None):
    """Safe streaming parse (no entity resolution, no network, no huge trees), optionally of some tags."""
    return etree.iterparse(
        source, events=events, tag=tag, resolve_entities=False, no_network=True, huge_tree=False
    )


#: The root element's start tag (after the XML declaration and any comments)
_ROOT_TAG = re.compile(rb"<([A-Za-z_][^\s>/]*)([^>]*)>")


def _namespace(data: bytes) -> str:
    """Namespace of a part's root element as ``{...}``: Transitional or Strict SpreadsheetML.

    Read from the root start tag with a regular expression: starting a parser for this costs
    more than reading a small sheet (measured 0.4 ms a part)."""
    match = _ROOT_TAG.search(data)
    if match is None:
        return "{" + MAIN_NS + "}"
    name, attrs = match.groups()
    declared = b"xmlns:" + name.split(b":")[0] if b":" in name else b"xmlns"
    uri = re.search(re.escape(declared) + rb"""\s*=\s*["']([^"']*)["']""", attrs)
    return "{" + (uri.group(1).decode() if uri else MAIN_NS) + "}"


def _resolve(base: str, target: str) -> str:
    """Zip part name of a relationship target, relative to the part in folder ``base``."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base, target))


def _relationships(zf: zipfile.ZipFile | Package, part: str) -> list[tuple[str, str, str]]:
    """(Id, Type, resolved target) of a part's relationships (``_rels/<name>.rels``)."""
    folder, name = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels_part not in zf.namelist():
        return []
    root = parse(zf.open(rels_part)).getroot()
    return [
        (r.get("Id", ""), r.get("Type", ""), _resolve(folder, r.get("Target", "")))
        for r in root.iter(f"{_PKG_REL}Relationship")
        if r.get("TargetMode") != "External"
    ]


def _workbook_part(zf: zipfile.ZipFile | Package) -> str:
    """The workbook part named by the package's officeDocument relationship."""
    for _, kind, target in _relationships(zf, ""):
        if kind.endswith("/officeDocument") and target in zf.namelist():
            return target
    return "xl/workbook.xml"


def _sheet_paths(
    zf: zipfile.ZipFile | Package, workbook: str, rels: list[tuple[str, str, str]]
) -> dict[str, str]:
    """Sheet name → part name inside the zip."""
    targets = {rid: target for rid, _, target in rels}
    data = zf.read(workbook)
    ns = _namespace(data)
    out = {}
    # workbook.xml lists the sheets before its (many) defined names: stop at </sheets>
    for _, elem in _iterparse(io.BytesIO(data), ("end",), (f"{ns}sheet", f"{ns}sheets")):
        if elem.tag == f"{ns}sheets":
            break
        rid = next((elem.get(a) for a in _REL_IDS if elem.get(a) is not None), "")
        out[elem.get("name", "")] = targets.get(rid, "")
    return out


_RUN_TEXTS: dict[str, etree.XPath] = {}


def rich_text(elem, ns: str) -> str:
    """Text of an ``<si>`` or ``<is>`` (CT_Rst, ECMA-376 Part 1 §18.4.8): its ``<t>`` and the ``<t>``
    of each run ``<r>``, but not the phonetic runs ``<rPh>`` (§18.4.6: furigana shown above the
    text, not part of it) that ``iter(t)`` would include. A compiled XPath: LibreOffice writes
    most mixed-script strings as runs, and a Python loop over them doubled the reading time."""
    if ns not in _RUN_TEXTS:
        _RUN_TEXTS[ns] = etree.XPath(
            "s:t/text() | s:r/s:t/text()", namespaces={"s": ns[1:-1]}, smart_strings=False
        )
    return "".join(_RUN_TEXTS[ns](elem))


def _shared_strings(zf: zipfile.ZipFile | Package, rels: list[tuple[str, str, str]]) -> list[str]:
    part = next((t for _, kind, t in rels if kind.endswith("/sharedStrings")), "xl/sharedStrings.xml")
    if part not in zf.namelist():
        return []
    data = zf.read(part)
    ns = _namespace(data)
    return [rich_text(si, ns) for si in etree.fromstring(data, _SAFE_PARSER).iterchildren(f"{ns}si")]


def _column_row(address: str) -> tuple[int, int]:
    """(column, row) of an A1 address (faster than a regular expression for this hot loop)."""
    col = 0
    for i, ch in enumerate(address):
        if "A" <= ch <= "Z":
            col = col * 26 + ord(ch) - 64
        else:
            return col, int(address[i:])
    return col, 0


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        value = float(text)
        return int(value) if value.is_integer() and "e" not in text.lower() and "." not in text else value


class _SharedFormulas:
    """Shared formulas (ECMA-376 Part 1 §18.3.1.40): the master cell (top-left of ``ref``) holds
    the text, followers only ``<f t="shared" si="n"/>``; each follower's formula is the master's
    with relative references moved by the offset between the cells (as Excel fills down)."""

    def __init__(self) -> None:
        self._masters: dict[str, tuple[str, str]] = {}
        self._translators: dict[str, Translator] = {}

    def text(self, kind: str | None, si: str | None, text: str, address: str) -> str:
        """The formula text of the cell at ``address`` (without ``=``); ``""`` when unknown."""
        if kind != "shared" or si is None:
            return text
        if text:
            self._masters[si] = (text, address)
            self._translators.pop(si, None)
            return text
        if si not in self._masters:
            return ""
        if si not in self._translators:
            master, origin = self._masters[si]
            self._translators[si] = Translator("=" + master, origin=origin)
        return self._translators[si].translate_formula(address)[1:]


def _value(elem, address: str, ns: str, strings: list[str], shared: _SharedFormulas) -> object:
    """Content of one ``<c>`` element: a formula as ``=...`` takes precedence over its cache."""
    formula = elem.find(f"{ns}f")
    if formula is not None:
        text = shared.text(formula.get("t"), formula.get("si"), formula.text or "", address)
        if text:
            return "=" + text
    kind = elem.get("t", "n")
    if kind == "inlineStr":
        inline = elem.find(f"{ns}is")
        return None if inline is None else rich_text(inline, ns)
    v = elem.find(f"{ns}v")
    if v is None or v.text is None:
        return None
    if kind == "s":
        return strings[int(v.text)]
    if kind == "b":
        return v.text.strip() in ("1", "true")
    if kind == "e":
        return ExcelError(v.text)
    if kind == "d":  # ISO 8601 date/time (§18.17.4); _values() turns it into a serial number
        try:
            return from_ISO8601(v.text.strip())
        except ValueError:
            return v.text
    if kind == "str":
        return v.text
    return _number(v.text)


def _cells(data: bytes, ns: str, max_row: int) -> Iterator[tuple[str, int, int, object]]:
    """(address, column, row, ``<c>`` element) of each cell up to ``max_row``, in order.

    ``r`` is optional on rows and cells (ECMA-376 Part 1 §18.3.1.73, §18.3.1.4): without it a
    row follows the previous row and a cell the previous cell of its row. Each ``<c>`` is
    cleared once the consumer is done with it (never its parent while it is being parsed).
    """
    rows = _RowNumbers()
    row = col = 0
    for _, elem in _iterparse(io.BytesIO(data), ("end",), f"{ns}c"):
        address = elem.get("r")
        if address:
            col, row = _column_row(address)
        else:
            if elem.getprevious() is None:  # first cell of its row
                row, col = rows.number(elem.getparent()), 0
            col += 1
            address = f"{get_column_letter(col)}{row}"
        if row > max_row:
            return  # rows come in order: nothing further is wanted
        yield address, col, row, elem
        elem.clear()


class _RowNumbers:
    """Numbers of ``<row>`` elements, ``r`` or one more than the previous row (memoised, so a
    sheet whose rows all lack ``r`` costs one step per row)."""

    def __init__(self) -> None:
        self._known: dict[object, int] = {}

    def number(self, row) -> int:
        pending = []
        while row is not None and row not in self._known and not row.get("r"):
            pending.append(row)
            row = row.getprevious()
        base = 0 if row is None else self._known.get(row) or int(row.get("r"))
        if row is not None:
            self._known[row] = base
        for n, elem in enumerate(reversed(pending), 1):
            self._known[elem] = base + n
        return base + len(pending)


class XlsxCells:
    """An open .xlsx whose sheets can be read cell by cell; use as a context manager."""

    def __init__(self, source: Path | Package) -> None:
        self._zf: zipfile.ZipFile | Package = (
            source if isinstance(source, Package) else zipfile.ZipFile(source)
        )
        workbook = _workbook_part(self._zf)
        self._rels = _relationships(self._zf, workbook)
        self._paths = _sheet_paths(self._zf, workbook, self._rels)
        self._strings: list[str] | None = None

    def __enter__(self) -> XlsxCells:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zf.close()

    @property
    def sheet_names(self) -> list[str]:
        return list(self._paths)

    def read(self, wanted: dict[str, tuple[int, int]], formulas_only: frozenset[str] = frozenset()) -> Cells:
        """Contents of the cells up to (max_col, max_row) of each named sheet.

        For sheets in ``formulas_only`` only formula cells are returned (a faster pass that
        looks at formulas alone): enough for checking that check formulas are intact.
        """
        if self._strings is None:
            self._strings = _shared_strings(self._zf, self._rels)
        cells: Cells = {}
        names = set(self._zf.namelist())
        for sheet, (max_col, max_row) in wanted.items():
            part = self._paths.get(sheet)
            if part is None or part not in names:
                continue
            data = self._zf.read(part)
            if sheet in formulas_only:
                self._read_formulas(data, sheet, max_col, max_row, cells)
            else:
                self._read_sheet(data, sheet, max_col, max_row, cells)
        return cells

    def _read_formulas(self, data: bytes, sheet: str, max_col: int, max_row: int, cells: Cells) -> None:
        """Formula texts only. Worksheets in the default namespace whose every cell starts with
        ``r`` (Excel, WPS, LibreOffice, openpyxl) are scanned with one regular expression over
        the bytes, several times faster than an element-by-element parse for the ~900 hidden
        check formulas; any other spelling (prefixes, cells without ``r``, comments, CDATA)
        falls back to the parser."""
        cell_starts = data.count(b"<c ") + data.count(b"<c>")
        if (
            b"<sheetData" not in data
            or b"<!--" in data
            or b"<![CDATA[" in data
            or cell_starts != data.count(b'<c r="')
        ):
            self._parse_formulas(data, sheet, max_col, max_row, cells)
            return
        found = [(m.group(1).decode(), m.group(2), m.group(3)) for m in _FORMULA_CELL.finditer(data)]
        # one parse of all formula texts resolves their character references in C
        joined = b"<r>" + b"".join(b"<f>" + text + b"</f>" for _, _, text in found if text) + b"</r>"
        texts = iter([f.text or "" for f in etree.fromstring(joined, _SAFE_PARSER)])
        shared = _SharedFormulas()
        for address, attrs, raw in found:
            text = next(texts) if raw else ""
            if attrs and b"shared" in attrs:
                kv = {k.decode(): v.decode() for k, v in _F_ATTR.findall(attrs)}
                text = shared.text(kv.get("t"), kv.get("si"), text, address)
            col, row = _column_row(address)
            if row <= max_row and col <= max_col and text:
                cells[(sheet, address)] = "=" + text

    def _parse_formulas(self, data: bytes, sheet: str, max_col: int, max_row: int, cells: Cells) -> None:
        ns = _namespace(data)
        f_tag = f"{ns}f"
        shared = _SharedFormulas()
        for address, col, _, elem in _cells(data, ns, max_row):
            formula = elem.find(f_tag)
            if formula is None:
                continue
            text = shared.text(formula.get("t"), formula.get("si"), formula.text or "", address)
            if col <= max_col and text:
                cells[(sheet, address)] = "=" + text

    def _read_sheet(self, data: bytes, sheet: str, max_col: int, max_row: int, cells: Cells) -> None:
        ns = _namespace(data)
        shared = _SharedFormulas()
        strings = self._strings or []
        for address, col, _, elem in _cells(data, ns, max_row):
            if col <= max_col:
                value = _value(elem, address, ns, strings, shared)
                if value is not None:
                    cells[(sheet, address)] = value
