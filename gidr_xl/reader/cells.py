"""Stream the raw contents of chosen cells out of an .xlsx (values, or formulas as ``=...``).

Why not openpyxl here: loading our 10-sheet template with openpyxl (even read-only) parses
every sheet, ~350 defined names and all styles, which takes 100–250 ms; validation must stay
under 50 ms (issue #2). This reader parses only the sheets asked for (lxml, entities never
resolved, no network; small parts through defusedxml) and stops at the last wanted row. It
returns cell *contents*: a formula's text, never its cached result.
openpyxl is still used for everything it is good at (writing, annotating).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

from defusedxml.ElementTree import parse
from lxml import etree
from openpyxl.formula.translate import Translator

from gidr_xl.values import ExcelError

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

Cells = dict[tuple[str, str], object]
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
#: ``<c r="B3" ...><f>text</f>`` with a plain ``<f>`` (shared formulas, ``<f t=...>``, use the parser)
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f>([^<]*)</f>')


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → part name inside the zip."""
    rels = parse(zf.open("xl/_rels/workbook.xml.rels")).getroot()
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
    sheets = []
    # workbook.xml lists the sheets before its (many) defined names: stop at </sheets>
    for _, elem in _iterparse(zf.open("xl/workbook.xml"), ("end",)):
        if elem.tag == f"{_NS}sheet":
            sheets.append(elem)
        elif elem.tag == f"{_NS}sheets":
            break
    out = {}
    for sheet in sheets:
        target = targets.get(sheet.get(_REL), "")
        path = (
            target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        )
        out[sheet.get("name", "")] = path
    return out


def _iterparse(source, events: tuple[str, ...], tag: str | None = None):
    """Safe streaming parse (no entity resolution, no network, no huge trees), optionally of one tag."""
    return etree.iterparse(
        source, events=events, tag=tag, resolve_entities=False, no_network=True, huge_tree=False
    )


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    out = []
    for _, elem in _iterparse(zf.open("xl/sharedStrings.xml"), ("end",)):
        if elem.tag == f"{_NS}si":
            out.append("".join(t.text or "" for t in elem.iter(f"{_NS}t")))
            elem.clear()
    return out


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


def _value(elem, strings: list[str], shared: dict[str, tuple[str, str]]) -> object:
    """Content of one ``<c>`` element: a formula as ``=...`` takes precedence over its cache."""
    formula = elem.find(f"{_NS}f")
    address = elem.get("r", "")
    if formula is not None:
        text = formula.text or ""
        si = formula.get("si")
        if formula.get("t") == "shared" and si is not None:
            if text:
                shared[si] = (text, address)
            elif si in shared:
                master, origin = shared[si]
                return Translator("=" + master, origin=origin).translate_formula(address)
        if text:
            return "=" + text
    kind = elem.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in elem.iter(f"{_NS}t"))
    v = elem.find(f"{_NS}v")
    if v is None or v.text is None:
        return None
    if kind == "s":
        return strings[int(v.text)]
    if kind == "b":
        return v.text == "1"
    if kind == "e":
        return ExcelError(v.text)
    if kind in ("str", "d"):
        return v.text
    return _number(v.text)


class XlsxCells:
    """An open .xlsx whose sheets can be read cell by cell; use as a context manager."""

    def __init__(self, path: Path) -> None:
        self._zf = zipfile.ZipFile(path)
        self._paths = _sheet_paths(self._zf)
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
        visits ``<f>`` elements alone): enough for checking that check formulas are intact.
        """
        if self._strings is None:
            self._strings = _shared_strings(self._zf)
        cells: Cells = {}
        names = set(self._zf.namelist())
        for sheet, (max_col, max_row) in wanted.items():
            part = self._paths.get(sheet)
            if part is None or part not in names:
                continue
            if sheet in formulas_only:
                self._read_formulas(part, sheet, max_col, max_row, cells)
            else:
                self._read_sheet(part, sheet, max_col, max_row, cells)
        return cells

    def _read_formulas(self, part: str, sheet: str, max_col: int, max_row: int, cells: Cells) -> None:
        """Formula texts only. Worksheets in the default namespace (Excel, WPS, LibreOffice,
        openpyxl) are scanned with one regular expression over the bytes, which is several times
        faster than an element-by-element parse for the ~900 hidden check formulas; any other
        spelling falls back to the parser."""
        data = self._zf.read(part)
        if b"<sheetData" in data and b"<f " not in data:
            found = [(m.group(1).decode(), m.group(2)) for m in _FORMULA_CELL.finditer(data)]
            # one parse of all formula texts resolves their character references in C
            joined = b"<r>" + b"".join(b"<f>" + text + b"</f>" for _, text in found) + b"</r>"
            texts = [f.text or "" for f in etree.fromstring(joined, _SAFE_PARSER)]
            for (address, _), text in zip(found, texts, strict=True):
                col, row = _column_row(address)
                if row <= max_row and col <= max_col and text:
                    cells[(sheet, address)] = "=" + text
            return
        self._parse_formulas(part, sheet, max_col, max_row, cells)

    def _parse_formulas(self, part: str, sheet: str, max_col: int, max_row: int, cells: Cells) -> None:
        events = _iterparse(self._zf.open(part), ("end",), f"{_NS}f")
        for _, elem in events:
            cell = elem.getparent()
            address = cell.get("r", "")
            col, row = _column_row(address)
            if row > max_row:
                return
            if col <= max_col and elem.text:
                cells[(sheet, address)] = "=" + elem.text
            cell.clear()

    def _read_sheet(self, part: str, sheet: str, max_col: int, max_row: int, cells: Cells) -> None:
        shared: dict[str, tuple[str, str]] = {}
        strings = self._strings or []
        events = _iterparse(self._zf.open(part), ("end",), f"{_NS}c")
        for _, elem in events:
            address = elem.get("r", "")
            col, row = _column_row(address)
            if row > max_row:
                return  # rows come in order: nothing further is wanted
            if col <= max_col:
                value = _value(elem, strings, shared)
                if value is not None:
                    cells[(sheet, address)] = value
            elem.clear()
