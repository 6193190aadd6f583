"""Workbooks as office suites save them: validation sees the same values and findings.

(a) Our templates and samples re-saved by LibreOffice headless (also after editing a value),
(b) files rewritten the way Excel, WPS and other writers legitimately spell the same workbook,
each constructor naming the convention and where ECMA-376 documents it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from openpyxl.formula.translate import Translator
from openpyxl.utils import column_index_from_string

from gidr_xl.model import FormatSpec, Severity
from gidr_xl.office import convert, soffice
from gidr_xl.reader.cells import XlsxCells
from gidr_xl.reader.integrity import CHECK_FORMULA, formula_key
from gidr_xl.reader.workbook import read_report
from gidr_xl.samples import load_sample
from gidr_xl.spec.loader import load_format
from gidr_xl.template.writer import write_workbook
from gidr_xl.validate.validator import validate
from tests.conftest import FORMATS, SAMPLES

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS = f"{{{MAIN}}}"

Outcome = tuple[list[tuple[str, str, str, str]], dict]


def outcome(path: Path) -> Outcome:
    """What validation says about a workbook: its findings and the input values it read."""
    report = read_report(path)
    found = sorted((f.code, f.severity.value, f.instance, f.anchor_ref) for f in validate(report).findings)
    return found, report.values


def integrity(found: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str]]:
    return [f for f in found if f[0] == CHECK_FORMULA]


def plant_typo(spec: FormatSpec, values: dict, src: Path, dst: Path) -> str:
    """Edit one 表三 count with openpyxl (one more than filled in): it breaks a sum. Its ref."""
    cell = next(c for c in spec.table("T3").inputs if isinstance(values.get(c.id), int) and values[c.id] > 0)
    wb = openpyxl.load_workbook(src)
    wb[cell.sheet][cell.address] = values[cell.id] + 1
    wb.save(dst)
    return cell.ref


# --------------------------------------------------------------------------------------------
# (a) LibreOffice re-saves: one soffice run converts all six files


@pytest.fixture(scope="module")
def libreoffice(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path, str]]:
    """name → (original, re-saved by LibreOffice, planted typo's ref or "")."""
    if soffice() is None:
        pytest.skip("LibreOffice not installed")
    folder = tmp_path_factory.mktemp("lo-in")
    files: dict[str, tuple[Path, str]] = {}
    for fid in FORMATS:
        spec = load_format(fid)
        blank = write_workbook(spec, folder / f"blank-{fid}.xlsx", org="测试局", year=spec.first_year)
        sample_spec, values = load_sample(SAMPLES[fid])
        sample = write_workbook(sample_spec, folder / f"sample-{fid}.xlsx", values=values)
        typo = folder / f"typo-{fid}.xlsx"
        files[blank.stem], files[sample.stem] = (blank, ""), (sample, "")
        files[typo.stem] = (typo, plant_typo(sample_spec, values, sample, typo))
    resaved = convert([p for p, _ in files.values()], "xlsx", tmp_path_factory.mktemp("lo-out"))
    return {name: (p, out, ref) for (name, (p, ref)), out in zip(files.items(), resaved, strict=True)}


LO_FILES = [f"{kind}-{fid}" for fid in FORMATS for kind in ("blank", "sample", "typo")]


@pytest.mark.parametrize("name", LO_FILES)
def test_libreoffice_resave_validates_like_the_original(libreoffice, name: str) -> None:
    original, resaved, typo_ref = libreoffice[name]
    before, values_before = outcome(original)
    after, values_after = outcome(resaved)
    # LibreOffice really respelled the check formulas (else this test would prove nothing)
    with XlsxCells(resaved) as book:
        detail = book.read({"校验明细": (2, 5)}, formulas_only=frozenset({"校验明细"}))
    assert any("FALSE()" in str(v) or "TRUE()" in str(v) for v in detail.values())
    assert integrity(after) == []
    assert after == before
    assert values_after == values_before
    if name.startswith("sample"):
        assert after == []
    if typo_ref:  # the planted typo, and only what it causes
        errors = [f for f in validate(read_report(resaved)).findings if f.severity == Severity.ERROR]
        assert errors and all(typo_ref in f.refs for f in errors)


# --------------------------------------------------------------------------------------------
# (b) Files spelled as other writers spell them, built by rewriting a generated sample's parts.
# Our generator writes plain formulas and inline strings; each constructor respells the whole
# package (part name → bytes) the way another writer does.

Parts = dict[str, bytes]
SST_PART = "xl/sharedStrings.xml"


def rewrite_parts(src: Path, dst: Path, *steps: Callable[[Parts], Parts]) -> Path:
    """Copy an .xlsx with its parts passed through ``steps`` in order."""
    with zipfile.ZipFile(src) as zin:
        parts = {info.filename: zin.read(info) for info in zin.infolist()}
    for step in steps:
        parts = step(parts)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    return dst


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/sheet")


def _serialise(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _sheets(parts: Parts, change: Callable[[object], None]) -> Parts:
    """``parts`` with ``change`` applied to the parsed root of each worksheet."""
    out = dict(parts)
    for name, data in parts.items():
        if _is_sheet(name):
            root = etree.fromstring(data)
            change(root)
            out[name] = _serialise(root)
    return out


def _column_row(address: str) -> tuple[str, int]:
    col, row = re.fullmatch(r"([A-Z]+)([0-9]+)", address).groups()
    return col, int(row)


def excel_shared_formulas(parts: Parts) -> Parts:
    """Excel writes a formula filled down as one shared formula (ECMA-376 Part 1 §18.3.1.40 f,
    ``t="shared"``): the top cell holds the text with ``ref`` and ``si``, the cells below only
    ``<f t="shared" si="n"/>``. Here every run of cells in a column whose formulas are the top
    formula moved down (as Excel's fill-down produces them) becomes one shared formula."""

    def change(root) -> None:
        open_groups: dict[str, list] = {}  # column → [master <f>, translator, last row, followers]
        groups = []
        for cell in root.iter(f"{NS}c"):
            formula = cell.find(f"{NS}f")
            if formula is None or not formula.text:
                continue
            col, row = _column_row(cell.get("r"))
            group = open_groups.get(col)
            if (
                group is not None
                and group[2] == row - 1
                and group[1].translate_formula(cell.get("r")) == "=" + formula.text
            ):
                group[2] = row
                group[3].append(formula)
                continue
            group = [formula, Translator("=" + formula.text, origin=cell.get("r")), row, []]
            open_groups[col] = group
            groups.append((cell.get("r"), group))
        for si, (top, (master, _, last, followers)) in enumerate(g for g in groups if g[1][3]):
            master.attrib.update({"t": "shared", "ref": f"{top}:{_column_row(top)[0]}{last}", "si": str(si)})
            for follower in followers:
                follower.text = None
                follower.attrib.update({"t": "shared", "si": str(si)})

    return _sheets(parts, change)


def excel_array_formulas(parts: Parts) -> Parts:
    """Excel 365 saves a formula it evaluates as a (dynamic) array as a one-cell array formula
    (ECMA-376 Part 1 §18.3.1.40 f with ``t="array"`` and ``ref``; §18.18.6 ST_CellFormulaType)."""

    def change(root) -> None:
        for cell in root.iter(f"{NS}c"):
            formula = cell.find(f"{NS}f")
            if formula is not None and formula.text:
                formula.attrib.update({"t": "array", "ref": cell.get("r")})

    return _sheets(parts, change)


def shared_string_table(parts: Parts) -> Parts:
    """Excel and WPS keep every string in the shared string table (ECMA-376 Part 1 §18.4.9 sst,
    §18.4.8 si) and cells refer to it by index (``t="s"``, §18.18.11 ST_CellType), where our
    generator writes inline strings (§18.3.1.53 is)."""
    sst = etree.Element(f"{NS}sst", nsmap={None: MAIN})
    index: dict[bytes, int] = {}

    def change(root) -> None:
        for cell in root.iter(f"{NS}c"):
            inline = cell.find(f"{NS}is")
            if cell.get("t") != "inlineStr" or inline is None:
                continue
            key = etree.tostring(inline)
            if key not in index:
                index[key] = len(sst)
                item = etree.SubElement(sst, f"{NS}si")
                item.extend(inline)
            cell.remove(inline)
            cell.set("t", "s")
            etree.SubElement(cell, f"{NS}v").text = str(index[key])

    out = _sheets(parts, change)
    out[SST_PART] = _serialise(sst)
    rel = b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/sharedStrings.xml"/>'
    out["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", rel + b"</Relationships>"
    )
    override = b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    out["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", override + b"</Types>")
    return out


def rich_and_phonetic_strings(parts: Parts) -> Parts:
    """Strings as rich text (CT_Rst, ECMA-376 Part 1 §18.4.8 si / §18.3.1.53 is: runs
    ``<r><rPr/><t/></r>``, as Excel and WPS write a cell formatted in parts and LibreOffice a
    mixed-script string) with phonetic runs (§18.4.6 rPh, §18.4.3 phoneticPr: the reading
    shown above the text, as Excel stores for East Asian input) that are not part of the value."""

    def change(root) -> None:
        for item in [*root.iter(f"{NS}si"), *root.iter(f"{NS}is")]:
            t = item.find(f"{NS}t")
            text = "" if t is None or t.text is None else t.text
            if len(text) < 2:
                continue
            item.remove(t)
            half = len(text) // 2
            for n, part in enumerate((text[:half], text[half:])):
                run = etree.SubElement(item, f"{NS}r")
                if n == 0:
                    etree.SubElement(etree.SubElement(run, f"{NS}rPr"), f"{NS}b")
                etree.SubElement(run, f"{NS}t").text = part
            phonetic = etree.SubElement(item, f"{NS}rPh", sb="0", eb="1")
            etree.SubElement(phonetic, f"{NS}t").text = "ヨミ"
            etree.SubElement(item, f"{NS}phoneticPr", fontId="0", type="noConversion")

    out = _sheets(parts, change)
    if SST_PART in out:
        root = etree.fromstring(out[SST_PART])
        change(root)
        out[SST_PART] = _serialise(root)
    return out


def cells_without_r(parts: Parts) -> Parts:
    """``r`` is optional on cells and rows (ECMA-376 Part 1 §18.3.1.4 c, §18.3.1.73 row): a cell
    without it follows the previous cell of its row, a row the previous row. Dropped wherever
    that gives the same position, as compact writers do."""

    def change(root) -> None:
        last_row = 0
        for row in root.iter(f"{NS}row"):
            number = int(row.get("r"))
            if number == last_row + 1:
                del row.attrib["r"]
            last_row, last_col = number, 0
            for cell in row.iter(f"{NS}c"):
                col = column_index_from_string(_column_row(cell.get("r"))[0])
                if col == last_col + 1:
                    del cell.attrib["r"]
                last_col = col

    return _sheets(parts, change)


STRICT = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": b"http://purl.oclc.org/ooxml/officeDocument/relationships",
}


def strict_namespaces(parts: Parts) -> Parts:
    """Strict Open XML (ISO/IEC 29500-1 Strict; ECMA-376 Part 1 Annex A, Strict schemas), as
    Excel's "Strict Open XML Spreadsheet" save type writes it: SpreadsheetML and relationship
    namespaces (and relationship types) under ``http://purl.oclc.org/ooxml/``."""
    out = {}
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            for old, new in STRICT.items():
                data = data.replace(old, new)
        if name == "xl/workbook.xml":
            data = data.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
        out[name] = data
    return out


def prefixed_elements(parts: Parts) -> Parts:
    """SpreadsheetML under a namespace prefix (``<x:worksheet xmlns:x=...>``), as the Open XML
    SDK writes: by XML Namespaces the same document (ECMA-376 Part 1 §8.1 and its examples)."""
    out = dict(parts)
    for name, data in parts.items():
        if _is_sheet(name) or name in ("xl/workbook.xml", SST_PART):
            data = re.sub(rb"<(/?)([A-Za-z]+)([\s/>])", rb"<\1x:\2\3", data)
            out[name] = data.replace(f'xmlns="{MAIN}"'.encode(), f'xmlns:x="{MAIN}"'.encode(), 1)
    return out


CONSTRUCTORS: dict[str, tuple[Callable[[Parts], Parts], ...]] = {
    "shared-formulas": (excel_shared_formulas,),
    "array-formulas": (excel_array_formulas,),
    "shared-strings": (shared_string_table,),
    "rich-phonetic-inline": (rich_and_phonetic_strings,),
    "rich-phonetic-shared": (shared_string_table, rich_and_phonetic_strings),
    "cells-without-r": (cells_without_r,),
    "strict": (strict_namespaces,),
    "prefixed": (shared_string_table, prefixed_elements),
    "excel-strict-all": (
        shared_string_table,
        rich_and_phonetic_strings,
        excel_shared_formulas,
        cells_without_r,
        strict_namespaces,
    ),
}


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Outcome]]:
    """Per format, a sample with one typo (so findings are not empty) and its outcome."""
    folder = tmp_path_factory.mktemp("suites")
    out = {}
    for fid in FORMATS:
        spec, values = load_sample(SAMPLES[fid])
        sample = write_workbook(spec, folder / f"sample-{fid}.xlsx", values=values)
        typo = folder / f"typo-{fid}.xlsx"
        plant_typo(spec, values, sample, typo)
        out[fid] = (typo, outcome(typo))
    return out


@pytest.mark.parametrize("fid", FORMATS)
@pytest.mark.parametrize("kind", list(CONSTRUCTORS))
def test_writer_conventions_validate_like_the_original(
    originals, tmp_path: Path, kind: str, fid: str
) -> None:
    original, (found, values) = originals[fid]
    assert found and not integrity(found)
    rebuilt = rewrite_parts(original, tmp_path / f"{kind}.xlsx", *CONSTRUCTORS[kind])
    with zipfile.ZipFile(original) as a, zipfile.ZipFile(rebuilt) as b:
        assert [n for n in b.namelist() if n not in a.namelist() or a.read(n) != b.read(n)]
    assert outcome(rebuilt) == (found, values)


def test_constructors_really_respell(originals, tmp_path: Path) -> None:
    """Shared followers, phonetic runs and cells without r are really there; openpyxl (another
    reader) still reads the constructed files as the same workbook."""
    original, _ = originals["gb2019"]
    steps = CONSTRUCTORS["excel-strict-all"][:-1]  # openpyxl cannot read Strict files
    rebuilt = rewrite_parts(original, tmp_path / "all.xlsx", *steps)
    with zipfile.ZipFile(rebuilt) as zf:
        sheets = b"".join(zf.read(n) for n in zf.namelist() if _is_sheet(n))
        sst = zf.read(SST_PART)
    assert len(re.findall(rb'<f t="shared" si="[0-9]+"/>', sheets)) > 100
    assert sst.count(b"<rPh") > 100 and sheets.count(b"<c>") + sheets.count(b"<c s=") > 100
    # openpyxl 3.1 cannot place a shared formula's master without r: leave r for it
    rebuilt = rewrite_parts(original, tmp_path / "for-openpyxl.xlsx", *steps[:-1])
    a, b = openpyxl.load_workbook(original), openpyxl.load_workbook(rebuilt)
    for sheet in ("封面", "表三", "校验明细"):
        assert [[c.value for c in row] for row in a[sheet].iter_rows(max_row=40)] == [
            [c.value for c in row] for row in b[sheet].iter_rows(max_row=40)
        ]


# --------------------------------------------------------------------------------------------
# The reader and the formula comparison on their own


def _tiny_xlsx(path: Path, sheet: bytes, strings: bytes = b"") -> Path:
    """A minimal package with one worksheet ``S`` (and optionally a shared-strings part)."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{rel}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        zf.writestr(
            "xl/worksheets/sheet1.xml",
            b'<worksheet xmlns="' + MAIN.encode() + b'"><sheetData>' + sheet + b"</sheetData></worksheet>",
        )
        if strings:
            zf.writestr("xl/sharedStrings.xml", b'<sst xmlns="' + MAIN.encode() + b'">' + strings + b"</sst>")
    return path


def test_reader_understands_every_cell_spelling(tmp_path: Path) -> None:
    import datetime as dt

    strings = (
        b"<si><t>plain</t></si>"
        b"<si><r><rPr><b/></rPr><t>\xe8\xa1\xa8</t></r><r><t>\xe4\xb8\x89</t></r>"
        b'<rPh sb="0" eb="1"><t>\xe3\x83\x92\xe3\x83\xa7\xe3\x82\xa6</t></rPh><phoneticPr fontId="0"/></si>'
    )
    sheet = (
        b'<row r="2"><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c r="E2" t="b"><v>1</v></c><c t="e"><v>#N/A</v></c></row>'
        b'<row><c t="str"><v>text</v></c><c t="d"><v>2021-03-01T00:00:00</v></c>'
        b'<c t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r><rPh sb="0" eb="1"><t>X</t></rPh></is></c></row>'
        b'<row r="5"><c r="A5"><f t="shared" ref="A5:A7" si="0">B5*2</f><v>0</v></c><c r="B5"><v>1.5</v></c></row>'
        b'<row r="6"><c r="A6"><f t="shared" si="0"/><v>0</v></c></row>'
        b'<row r="7"><c r="A7"><f t="shared" si="0"/></c><c r="B7"><f t="array" ref="B7">SUM(B5:B6*2)</f><v>3</v></c></row>'
        b'<row r="9"><c r="A9"><v>1</v></c></row>'
    )
    path = _tiny_xlsx(tmp_path / "tiny.xlsx", sheet, strings)
    with XlsxCells(path) as book:
        cells = {a: v for (_, a), v in book.read({"S": (10, 8)}).items()}
        formulas = {a: v for (_, a), v in book.read({"S": (10, 8)}, formulas_only=frozenset({"S"})).items()}
    assert cells == {
        "A2": "plain",
        "B2": "表三",
        "E2": True,
        "F2": cells["F2"],
        "A3": "text",
        "B3": dt.datetime(2021, 3, 1),
        "C3": "inline",
        "A5": "=B5*2",
        "B5": 1.5,
        "A6": "=B6*2",
        "A7": "=B7*2",
        "B7": "=SUM(B5:B6*2)",
    }
    assert str(cells["F2"]) == "#N/A"
    assert formulas == {"A5": "=B5*2", "A6": "=B6*2", "A7": "=B7*2", "B7": "=SUM(B5:B6*2)"}


def test_formulas_only_fallback_on_cells_without_r(tmp_path: Path) -> None:
    """Without ``r`` the byte scan cannot place a cell: the parser does, same result."""
    sheet = b'<row r="3"><c><v>1</v></c><c><f t="shared" ref="B3:B4" si="7">A3+1</f></c></row><row><c/><c><f t="shared" si="7"/></c></row>'
    path = _tiny_xlsx(tmp_path / "nor.xlsx", sheet)
    with XlsxCells(path) as book:
        assert book.read({"S": (5, 5)}, formulas_only=frozenset({"S"})) == {
            ("S", "B3"): "=A3+1",
            ("S", "B4"): "=A4+1",
        }


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("=IF(ISERROR('表三'!D7),FALSE,1)", "=IF(ISERROR(表三!D7),FALSE(),1)"),
        ("=IF(A1,TRUE,FALSE)", "=if( a1 , true() , False )"),
        ("=SUM('表三'!$D$7:$D$9)", "=sum(表三!D7:表三!D9)"),
        ("=IFS(A1=1,2)", "=_xlfn.IFS(A1=1,2)"),
        ("=A1=1000", "=A1=1E+3"),
        ("=A1*1", "=A1*1.0"),
        ("='It''s'!A1", "='IT''S'!a1"),
    ],
)
def test_same_meaning_same_key(a: str, b: str) -> None:
    assert formula_key(a) == formula_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ('=IF(A1,"通过","不通过")', '=IF(A1,"通过 ","不通过")'),
        ('=A1="x"', '=A1="X"'),
        ("=A1+B1", "=A1-B1"),
        ("=SUM(A1,B1)", "=SUM(B1,A1)"),
        ("=表三!D7", "=表二!D7"),
        ("=A1=1", "=A1=1.5"),
        ("=TRUE", "=TRUE()+0"),
        ("=IF(A1,1,0)", "通过"),
        ("=IF(A1,1,0)", "=IF(A1,1,0"),
    ],
)
def test_different_meaning_different_key(a: str, b: str) -> None:
    assert formula_key(a) != formula_key(b)


def test_resaved_and_tampered_is_still_reported(libreoffice, tmp_path: Path) -> None:
    """Integrity still catches a changed check formula in a LibreOffice-saved workbook."""
    _, resaved, _ = libreoffice["sample-gb2019"]
    wb = openpyxl.load_workbook(resaved)
    ws = wb["校验明细"]
    ws["B3"] = ws["B3"].value.replace('"通过"', '"不通过"', 1)
    wb.save(tmp_path / "tampered.xlsx")
    found, _ = outcome(tmp_path / "tampered.xlsx")
    assert [(f[0], f[3]) for f in found] == [(CHECK_FORMULA, "校验明细!B3")]
