"""Hostile input, piece by piece: total numeric helpers, the gate's refusals, the formula guard,
strict JSON and annotation of merged cells and missing sheets (issue #13)."""

from __future__ import annotations

import json
import math
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gidr_xl.errors import UnusableWorkbookError
from gidr_xl.opening import check_xml, open_checked
from gidr_xl.reader.formula_guard import inspect, refusals
from gidr_xl.reader.formula_inputs import TIMED_OUT, evaluate
from gidr_xl.values import (
    EXACT_INT_MAX,
    ExcelError,
    display,
    excel_round,
    is_blank,
    is_integer,
    is_number,
    number_problem,
)

EDGES: list[object] = [
    0, -0.0, 1, -1, 0.5, 2.5, -2.5, 1e308, -1e308, 9.99e307, 1e309, -1e309, math.nan, math.inf, -math.inf,
    10**400, -(10**400), 10**5000, 2**53, 2**53 + 1, 5e-324, True, False, None, "", " ", "12", ExcelError("#NUM!"),
    Decimal("1e5000"), Decimal("NaN"), 1j,
]  # fmt: skip


@pytest.mark.parametrize("value", EDGES, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize("digits", [0, 2, -3, 400, 10**400, math.nan, math.inf, "x"])
def test_numeric_helpers_are_total(value: object, digits: object) -> None:
    """No edge value raises; rounding of a finite in-range number stays finite."""
    for fn in (is_blank, is_number, is_integer, display):
        fn(value)
    number_problem(value), number_problem(value, integral=True)
    rounded = excel_round(value, digits)
    assert isinstance(rounded, float)
    if is_number(value) and number_problem(value) is None and digits in (0, 2, -3):
        assert math.isfinite(rounded)


@pytest.mark.parametrize(
    ("value", "integral", "flagged"),
    [
        (1e308, False, True),
        (9.99e307, False, False),
        (math.nan, False, True),
        (-math.inf, False, True),
        (10**400, False, True),
        (EXACT_INT_MAX, True, False),
        (EXACT_INT_MAX + 1, True, True),
        (EXACT_INT_MAX + 1, False, False),
        (float(2**60), True, True),
        (True, True, False),
        ("1e309", False, False),
    ],
)
def test_number_problem(value: object, integral: bool, flagged: bool) -> None:
    assert (number_problem(value, integral) is not None) is flagged


def test_excel_round_is_excel_round() -> None:
    assert excel_round(2.675, 2) == 2.68  # the decimal text, not the binary value
    assert excel_round(-2.5, 0) == -3.0
    assert excel_round(1234.5, -2) == 1200.0
    assert math.isnan(excel_round(math.nan, 2))


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _minimal() -> dict[str, bytes]:
    return {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        b'<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd"><x/>',
        b'<?xml version="1.0" encoding="nonsense"?><x/>',
        b'<?xml version="1.0" encoding="UTF-16"?><x/>',
        b"<x>\xff\xfe</x>",
        b"<x>\x01</x>",
        b"<x><y></x>",
    ],
)
def test_check_xml_refuses(data: bytes) -> None:
    assert check_xml(data) is not None


def test_check_xml_accepts_utf16_with_bom() -> None:
    assert check_xml('<?xml version="1.0" encoding="UTF-16"?><x>表</x>'.encode("utf-16")) is None


def test_gate_refuses_with_the_file_and_part_named(tmp_path: Path) -> None:
    members = _minimal() | {"xl/worksheets/sheet1.xml": b"<!DOCTYPE x><worksheet/>"}
    path = _zip(tmp_path / "dtd.xlsx", members)
    with pytest.raises(UnusableWorkbookError, match=r"dtd\.xlsx.*xl/worksheets/sheet1\.xml.*DTD"):
        open_checked(path)


def test_gate_refuses_other_compression_methods(tmp_path: Path) -> None:
    path = _zip(tmp_path / "bz.xlsx", _minimal(), zipfile.ZIP_BZIP2)
    with pytest.raises(UnusableWorkbookError, match="不支持的压缩方式 12"):
        open_checked(path)


def test_gate_refuses_bad_crc(tmp_path: Path) -> None:
    path = _zip(
        tmp_path / "crc.xlsx", _minimal() | {"xl/a.xml": b"<a>" + b"x" * 500 + b"</a>"}, zipfile.ZIP_STORED
    )
    data = bytearray(path.read_bytes())
    data[data.index(b"xxxxx")] = ord("y")
    path.write_bytes(bytes(data))
    with pytest.raises(UnusableWorkbookError, match=r"xl/a\.xml.*CRC"):
        open_checked(path)


def test_gate_tells_long_texts_from_bombs(tmp_path: Path) -> None:
    """70 MB of repeated text in a worksheet compresses like a bomb but is read (the cells are
    then counted and checked); 70 MB of zeros in any other part is refused before inflating."""
    text = b'<worksheet><sheetData><row><c t="inlineStr"><is><t>' + "，".encode() * (24 * 1024 * 1024)
    sheet = text + b"</t></is></c></row></sheetData></worksheet>"
    package = open_checked(_zip(tmp_path / "long.xlsx", _minimal() | {"xl/worksheets/sheet1.xml": sheet}))
    assert len(package.members["xl/worksheets/sheet1.xml"]) == len(sheet)
    bomb = _zip(tmp_path / "bomb.xlsx", _minimal() | {"xl/media/zeros.bin": bytes(70 * 1024 * 1024)})
    with pytest.raises(UnusableWorkbookError, match="疑似恶意压缩文件"):
        open_checked(bomb)


def test_gate_refuses_dangling_sheet(tmp_path: Path) -> None:
    rels = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    )
    path = _zip(tmp_path / "gone.xlsx", _minimal() | {"xl/_rels/workbook.xml.rels": rels})
    with pytest.raises(UnusableWorkbookError, match=r"xl/worksheets/sheet1\.xml 不存在"):
        open_checked(path)


def test_gate_returns_what_it_checked(sample_path: Path) -> None:
    package = open_checked(sample_path)
    with zipfile.ZipFile(sample_path) as zf:
        assert package.namelist() == zf.namelist()
        assert all(package.read(n) == zf.read(n) for n in zf.namelist())


@pytest.mark.parametrize(
    ("formula", "refused"),
    [
        ("=1+2", None),
        ("=SUM(D7:D9)*2", None),
        ("=SUM(表三!A:A)", "整列或整行"),
        ("=SUM(3:3)", "整列或整行"),
        ("=SUM(A1:Z1000)", "区域过大"),
        ("=NOW()", "易变函数 NOW"),
        ('=INDIRECT("A1")', "易变函数 INDIRECT"),
        ("=_xlfn.XLOOKUP(1,A1:A3,B1:B3)", "不支持的函数 XLOOKUP"),
        ("=[1]Sheet1!A1", "其他工作簿"),
        ("=SUM(某个名称)", "无法识别"),
        ("=SUM(((", "无法解析"),
        ("=" + "1+" * 600 + "1", "过长"),
    ],
)
def test_formula_guard(formula: str, refused: str | None) -> None:
    why = inspect(formula, "表三")[1]
    assert (why is None) if refused is None else (why is not None and refused in why)


def test_formula_cycles_and_dependents_are_refused() -> None:
    targets = {("S", "A1"): "=B1+1", ("S", "B1"): "=A1+1", ("S", "C1"): "=A1*2", ("S", "D1"): "=1+1"}
    refused = refusals(targets)
    assert "循环引用" in refused[("S", "A1")] and "循环引用" in refused[("S", "B1")]
    assert ("S", "C1") in refused and ("S", "D1") not in refused
    assert "循环引用" in refusals({("S", "A1"): "=A1"})[("S", "A1")]


def test_formula_time_limit_is_a_refusal_and_leaves_no_alarm() -> None:
    import signal

    before = signal.getsignal(signal.SIGALRM)
    result = evaluate({("S", "A1"): "=B1+1"}, {("S", "B1"): 1}, budget=0.001)
    assert result.refused == {("S", "A1"): TIMED_OUT} or result.values == {("S", "A1"): 2}
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is before


def test_typed_formula_results_are_computed() -> None:
    result = evaluate({("S", "A1"): "=B1+1", ("S", "C1"): "=1E308*10"}, {("S", "B1"): 41})
    assert result.values[("S", "A1")] == 42
    assert ("S", "C1") in result.refused


def _set(path: Path, out: Path, changes: dict[str, object], merge: str | None = None) -> Path:
    wb = load_workbook(path)
    for ref, value in changes.items():
        sheet, address = ref.split("!")
        wb[sheet][address] = value
    if merge:
        sheet, span = merge.split("!")
        wb[sheet].merge_cells(span)
    wb.save(out)
    return out


def test_nan_and_huge_numbers_are_findings_and_json_is_strict(
    tmp_path: Path, sample_path: Path, capsys
) -> None:
    from gidr_xl.cli import main
    from gidr_xl.spec.loader import load_format

    spec = load_format("2021" if "2021" in sample_path.name else "2019")
    cells = [c for c in spec.inputs if c.type.numeric][:3]
    path = _set(sample_path, tmp_path / "big.xlsx", {cells[0].ref: 1e308, cells[1].ref: 2**60})
    assert main(["validate", str(path), "--json"]) == 1
    found = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(c))
    flagged = {f["anchor"] for f in found["findings"] if f["code"] == "number-range"}
    assert {cells[0].ref, cells[1].ref} <= flagged


def test_annotate_marks_merged_cells_and_notes_missing_sheets(tmp_path: Path, template_path: Path) -> None:
    from gidr_xl.access.openpyxl_book import OpenpyxlBook
    from gidr_xl.outputs.annotate import RESULT_SHEET, annotate
    from gidr_xl.reader.workbook import read_report
    from gidr_xl.validate.validator import validate

    report = read_report(template_path)
    result = validate(report)
    anchors = [f.anchor_ref for f in result.findings if f.anchor]
    assert anchors, "a blank template has findings"
    sheet, address = anchors[0].split("!")
    col = "".join(ch for ch in address if ch.isalpha())
    row = int(address[len(col) :])
    merged = _set(template_path, tmp_path / "m.xlsx", {}, merge=f"{sheet}!{col}{row - 1}:{col}{row}")
    book = OpenpyxlBook(merged)
    del book.wb[
        next(
            s
            for s in book.wb.sheetnames
            if s != sheet and s != "_meta" and s in {a.split("!")[0] for a in anchors}
        )
    ]
    marked = annotate(book, result)
    assert anchors[0] not in marked or book.wb[sheet][f"{col}{row - 1}"].comment is not None
    book.save_as(tmp_path / "out.xlsx")
    texts = [str(c.value) for r in load_workbook(tmp_path / "out.xlsx")[RESULT_SHEET].iter_rows() for c in r]
    assert any("无法标记" in t for t in texts)


def test_loadable_retypes_only_what_openpyxl_cannot_read() -> None:
    from gidr_xl.access.loadable import loadable_sheet

    sheet = (
        b'<sheetData><row r="1"><c r="A1" s="2"><v>NaN</v></c><c r="B1"/><c r="C1"><v>12</v></c>'
        b'<c r="D1"><f>SUM(C1)</f><v></v></c><c r="E1" t="d"><v>2024-13-45</v></c>'
        b'<c r="F1" t="d"><v>2024-01-05</v></c><c r="G1"><v>' + b"9" * 400 + b"</v></c></row></sheetData>"
    )
    fixed = loadable_sheet(sheet)
    assert b'<c r="A1" s="2" t="str"><v>NaN</v>' in fixed
    assert b'<c r="B1"/><c r="C1"><v>12</v></c>' in fixed
    assert b'<c r="D1"><f>SUM(C1)</f><v></v>' in fixed
    assert b'<c r="E1" t="str"><v>2024-13-45</v>' in fixed
    assert b'<c r="F1" t="d"><v>2024-01-05</v>' in fixed
    assert b'<c r="G1" t="str">' in fixed
    assert loadable_sheet(b'<c r="A1"><v>1.5</v></c>') == b'<c r="A1"><v>1.5</v></c>'


def test_loadable_normalises_booleans_and_sheet_states() -> None:
    from gidr_xl.access.loadable import loadable_sheet, loadable_workbook

    fixed = loadable_sheet(
        b'<c r="A1" t="b"><v>true</v></c><c r="B1" t="b"><v>no</v></c><c r="C1" t="b"><v>1</v></c>'
    )
    assert fixed == b'<c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>0</v></c><c r="C1" t="b"><v>1</v></c>'
    workbook = b'<sheets><sheet name="a" state="bogus" r:id="rId1"/><sheet name="b" state="hidden" r:id="rId2"/></sheets>'
    assert loadable_workbook(workbook) == (
        b'<sheets><sheet name="a" r:id="rId1"/><sheet name="b" state="hidden" r:id="rId2"/></sheets>'
    )


def test_loadable_flattens_rich_and_phonetic_strings() -> None:
    from gidr_xl.access.loadable import loadable_sheet, loadable_strings

    sheet = (
        b'<c r="A1" t="inlineStr"><is><t xml:space="preserve">x </t><r><rPr/><t>\xe5\xaf\x8c</t></r>'
        b'<rPh><t>ruby</t></rPh></is></c><c r="B1" t="inlineStr"><is><t>plain</t></is></c>'
    )
    assert loadable_sheet(sheet) == (
        b'<c r="A1" t="inlineStr"><is><t xml:space="preserve">x \xe5\xaf\x8c</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>plain</t></is></c>'
    )
    strings = b'<sst><si><t>a</t><rPh sb="0" eb="1"><t>b</t></rPh><phoneticPr fontId="1"/></si><si><t>c</t></si></sst>'
    assert loadable_strings(strings) == b'<sst><si><t xml:space="preserve">a</t></si><si><t>c</t></si></sst>'


def test_loadable_writes_shared_formulas_out() -> None:
    from gidr_xl.access.loadable import unshared_formulas

    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        b'<c r="B2"><f t="shared" si="0" ref="B2:B4">A1+1</f><v>1</v></c><c r="B3"><f t="shared" si="0"/></c>'
        b'<c r="C1"><f t="shared" si="1" ref="A1:C1">A1</f></c><c r="A1"><f t="shared" si="1"/></c>'
        b"</row></sheetData></worksheet>"
    )
    out = unshared_formulas(sheet)
    assert b't="shared"' not in out and b"<f>A1+1</f><v>1</v>" in out and b"<f>A2+1</f>" in out
    assert b'<c r="A1"><f>#REF!</f>' in out  # two columns left of A: Excel shows #REF!
    assert unshared_formulas(b"<c><f>A1</f></c>") == b"<c><f>A1</f></c>"


def test_other_workbooks_are_refused_quoted_or_not() -> None:
    from gidr_xl.reader.formula_guard import parse_range

    assert parse_range("'[missing.xlsx]Sheet 1'!A1", "表三") == "引用了其他工作簿"
    assert parse_range("[missing.xlsx]Sheet1!A1", "表三") == "引用了其他工作簿"


def test_validation_stands_without_localisation(monkeypatch, sample_path: Path) -> None:
    """A failing relation loads SciPy; when it cannot load, the findings are still reported."""
    import sys

    from gidr_xl.model import CellId
    from gidr_xl.reader.workbook import read_report
    from gidr_xl.validate.validator import validate

    report = read_report(sample_path)
    total = CellId("T3", ("一", "总计"))
    report.values[total] = float(report.values[total]) + 1  # type: ignore[arg-type]
    monkeypatch.setitem(sys.modules, "gidr_xl.validate.localize", None)  # import raises ImportError
    result = validate(report)
    assert result.errors and result.localisation is None


def test_unloadable_copy_is_rebuilt_with_every_value(tmp_path: Path) -> None:
    from gidr_xl.checking import annotate_copy
    from gidr_xl.reader.workbook import read_report
    from gidr_xl.validate.validator import validate

    source = Path(__file__).parent / "fixtures" / "hostile" / "deep-nesting-in-workbook-part.xlsx"
    marked = annotate_copy(source, tmp_path / "marked.xlsx")
    assert marked.rebuilt and marked.path.exists()
    copy = read_report(marked.path)
    assert copy.values == read_report(source).values
    assert validate(copy).errors == marked.result.errors > 0


def test_gate_names_the_sheet_of_a_damaged_part(tmp_path: Path, sample_path: Path) -> None:
    with zipfile.ZipFile(sample_path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["xl/worksheets/sheet4.xml"] = members["xl/worksheets/sheet4.xml"].replace(b"</t>", b"\xff</t>", 1)
    with pytest.raises(UnusableWorkbookError, match=r"sheet4\.xml，工作表“表三”"):
        open_checked(_zip(tmp_path / "bad.xlsx", members))
