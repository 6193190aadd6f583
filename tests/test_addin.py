"""The Excel add-in without Excel: fake xlwings run, --annotate copy, the built .xlam."""

from __future__ import annotations

import re
import tomllib
import zipfile
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from lxml import etree

import gidr_xl
from gidr_xl.access.openpyxl_book import OpenpyxlBook
from gidr_xl.addin import ADDIN_FILE, NO_WORKBOOK_MESSAGE, PROJECT_NAME, TITLE, XLWINGS_VERSION
from gidr_xl.addin.action import free_path, run
from gidr_xl.addin.build import CONFIG_ROWS, AddinConfig, build_addin, template_path
from gidr_xl.cli import Exit, main
from gidr_xl.errors import GidrError
from gidr_xl.model import CellId, Severity
from gidr_xl.outputs.annotate import (
    INPUT_RGB,
    MARK_RGB,
    RESULT_SHEET,
    SUSPECT_LEVEL,
    SUSPECT_RGB,
    annotate,
    clear_previous_marks,
)
from gidr_xl.reader.workbook import read_book, read_report
from gidr_xl.samples import load_sample
from gidr_xl.spec.loader import load_format
from gidr_xl.template.writer import write_workbook
from gidr_xl.validate.validator import validate
from tests.fake_xlwings import FakeBook

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def three_faults(tmp_path: Path) -> tuple[Path, set[str]]:
    """example-2021 with a wrong table sum, a wrong narrative figure and a blank required cell."""
    spec, values = load_sample("example-2021")
    paragraphs = spec.form("N1").paragraphs
    # keep the narrative silent on 行政复议 so that the table-四 fault stays a single finding
    review = next(p for p in paragraphs if "行政复议" in str(values.get(p.id)))
    values[review.id] = "持续加强监督保障工作。"
    values[CellId("T4", ("行政复议", "总计"))] = 5  # table sum: 2 + 1 + 0 + 1 = 4
    quoted = next(p for p in paragraphs if "收到政府信息公开申请50件" in str(values.get(p.id)))
    values[quoted.id] = str(values[quoted.id]).replace("申请50件", "申请49件")  # narrative figure
    blank = CellId("T2", ("行政处罚", "本年处理决定数量"))
    values[blank] = None  # blank required cell
    path = write_workbook(spec, tmp_path / "三处错误.xlsx", values=values)
    expected = {spec.cell(CellId("T4", ("行政复议", "总计"))).ref, quoted.ref, spec.cell(blank).ref}
    return path, expected


def test_fake_excel_run_marks_exactly_the_planted_faults(three_faults) -> None:
    path, expected = three_faults
    book = FakeBook(path)
    summary = run(book)
    assert "错误 2 项，警告 1 项" in summary
    marked = book.marked()
    # the 表四 sum has five equally small fixes (the total or any one item): all five are named
    candidates = {"表四!A7", "表四!B7", "表四!C7", "表四!D7", "表四!E7"}
    assert set(marked) == expected | candidates
    assert all(fill is not None and fill != INPUT_RGB and note for fill, note in marked.values())
    assert all(marked[ref][0] == SUSPECT_RGB and "5 种同样小的改法" in marked[ref][1] for ref in candidates)
    results = book.sheets[RESULT_SHEET]
    rows = [[results.cells.get((r, c)) for c in range(1, 6)] for r in range(3, 20)]
    listed = [r for r in rows if r[0]]
    assert len(listed) == 3 + 5 and {r[3] for r in listed} == expected | candidates
    assert {r[3] for r in listed[:5]} == candidates and {r[0] for r in listed[:5]} == {SUSPECT_LEVEL}
    assert all(link.startswith("#'") for link in results.links.values()) and len(results.links) == 8
    assert book.active == RESULT_SHEET
    assert book.app.alerts and book.app.alerts[-1][3] == "critical"
    # one bulk read per sheet, never a per-cell read
    assert all((r2 - r1, c2 - c1) != (0, 0) for _, r1, c1, r2, c2 in book.reads)


def test_gidr_main_entry_point_uses_book_caller(three_faults, monkeypatch) -> None:
    import xlwings

    path, expected = three_faults
    book = FakeBook(path)
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: book))
    gidr_xl.main()
    assert expected < set(book.marked())


def test_annotate_copy_marks_the_same_cells_and_keeps_every_value(
    three_faults, tmp_path: Path, capsys
) -> None:
    path, expected = three_faults
    out = tmp_path / "已标记.xlsx"
    assert main(["validate", str(path), "--annotate", str(out)]) == Exit.FINDINGS
    capsys.readouterr()
    before, after = openpyxl.load_workbook(path), openpyxl.load_workbook(out)
    spec = load_format("gb2021")
    changed = set()
    for cell in spec.inputs:
        old, new = before[cell.sheet][cell.address], after[cell.sheet][cell.address]
        assert old.value == new.value, cell.ref
        if old.fill.fgColor.rgb != new.fill.fgColor.rgb or new.comment is not None:
            changed.add(cell.ref)
    candidates = {"表四!A7", "表四!B7", "表四!C7", "表四!D7", "表四!E7"}
    assert changed == expected | candidates
    results = after[RESULT_SHEET]
    rows = [r for r in results.iter_rows(min_row=3, values_only=True) if r[0]]
    assert len(rows) == 8 and {r[3] for r in rows} == expected | candidates
    assert all(results.cell(row=r, column=4).hyperlink.location for r in range(3, 11))
    assert read_report(out).values == read_report(path).values
    assert main(["validate", str(path), "--annotate", str(out)]) == Exit.UNUSABLE  # never overwritten


def test_rerun_clears_marks_of_fixed_cells(three_faults, tmp_path: Path) -> None:
    path, expected = three_faults
    book = OpenpyxlBook(path)
    annotate(book, validate(read_book(book)))
    spec = load_format("gb2021")
    total = spec.cell(CellId("T4", ("行政复议", "总计")))
    book.wb[total.sheet][total.address] = 4  # staff fix the sum
    annotate(book, validate(read_book(book)))
    for address in ("A7", "B7", "C7", "D7", "E7"):  # the suspects are gone with the fault
        cell = book.wb["表四"][address]
        assert cell.comment is None and cell.fill.fgColor.rgb.endswith("FFF9DB"), address
    remaining = {r[3] for r in book.wb[RESULT_SHEET].iter_rows(min_row=3, values_only=True) if r[0]}
    assert remaining == expected - {total.ref}


def test_clean_workbook_offers_to_compile_and_never_overwrites(tmp_path: Path) -> None:
    spec, values = load_sample("jianghai-2019")
    path = write_workbook(spec, tmp_path / "江海区.xlsx", values=values)
    (tmp_path / "江海区.docx").write_text("已有的文件", encoding="utf-8")
    book = FakeBook(path, answers=["no", "yes"])  # no last-year workbook; yes, compile
    summary = run(book)
    assert "结论：通过" in summary
    assert [a[2] for a in book.app.alerts[:2]] == ["yes_no", "yes_no"]
    assert (tmp_path / "江海区.docx").read_text(encoding="utf-8") == "已有的文件"
    assert (tmp_path / "江海区(2).docx").stat().st_size > 10_000
    assert book.marked() == {}
    assert free_path(tmp_path / "江海区.docx") == tmp_path / "江海区(3).docx"


@pytest.fixture(scope="module")
def xlam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = AddinConfig(pythonpath=r"D:\gidr", conda_env="")
    return build_addin(tmp_path_factory.mktemp("addin"), config)


def test_xlam_is_the_template_with_our_ribbon_and_config(xlam: Path) -> None:
    from oletools.olevba import VBA_Parser

    assert xlam.name == ADDIN_FILE  # the name it is installed under; RunMain no longer depends on it
    with zipfile.ZipFile(xlam) as ours, zipfile.ZipFile(template_path()) as template:
        assert ours.testzip() is None
        ours_vba, template_vba = ours.read("xl/vbaProject.bin"), template.read("xl/vbaProject.bin")
        assert sorted(ours.namelist()) == sorted(template.namelist())
        ui = etree.fromstring(ours.read("customUI/customUI.xml"))
        rels = ours.read("_rels/.rels").decode()
        workbook = ours.read("xl/workbook.xml").decode()
        sheet = etree.fromstring(ours.read("xl/worksheets/sheet1.xml"))
    assert "customUI/customUI.xml" in rels and "ui/extensibility" in rels
    ns = {"ui": "http://schemas.microsoft.com/office/2006/01/customui"}
    assert ui.find(".//ui:tab", ns).get("label") == "政府信息公开年报"
    button = ui.find(".//ui:button", ns)
    assert button.get("label") == "校验" and button.get("size") == "large"
    macros = {}
    for _, _, module, code in VBA_Parser(str(xlam)).extract_macros():
        for sub in re.findall(r"^\s*(?:Public\s+)?Sub\s+(\w+)", code, re.MULTILINE):
            macros[f"{Path(module).stem}.{sub}"] = code
    for node in ui.iter():
        if node.get("onAction"):
            assert node.get("onAction") in macros, node.get("onAction")
    assert PROJECT_NAME == "gidr_xl" and f'name="{PROJECT_NAME}.conf"' in workbook
    assert "myaddin" not in workbook
    m = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    cells = {c.get("r"): "".join(c.itertext()) for c in sheet.iter(f"{m}c")}
    assert cells[f"B{CONFIG_ROWS['Interpreter_Win']}"] == r"%LOCALAPPDATA%\gidr-xl\Scripts\pythonw.exe"
    assert cells[f"B{CONFIG_ROWS['Interpreter_Mac']}"] == "$HOME/gidr-xl/bin/python"
    assert cells[f"B{CONFIG_ROWS['PYTHONPATH']}"] == r"D:\gidr"
    assert cells[f"B{CONFIG_ROWS['Show Console']}"] == "0"
    assert (cells["D1"], cells["D2"]) == (NO_WORKBOOK_MESSAGE, TITLE)  # shown by RunMain's guard
    _assert_vba_edits(ours_vba, template_vba)


def _assert_vba_edits(ours: bytes, template: bytes) -> None:
    """Only RunMain and the PROJECT_NAME constant differ; the container is otherwise unchanged.

    Read back with oletools' own decompressor (independent of gidr_xl/addin/vba.py)."""
    import olefile
    from oletools.olevba import decompress_stream

    new, old = olefile.OleFileIO(ours), olefile.OleFileIO(template)
    assert len(ours) == len(template)
    assert new.listdir() == old.listdir()
    changed = {"/".join(n) for n in old.listdir() if new.openstream(n).read() != old.openstream(n).read()}
    assert changed == {"VBA/RibbonMyAddin", "VBA/xlwings"}
    assert new.openstream("VBA/_VBA_PROJECT").read() == old.openstream("VBA/_VBA_PROJECT").read()
    assert new.openstream("VBA/_VBA_PROJECT").read()[2:4] == b"\xff\xff"  # compiled from source
    ribbon = new.openstream("VBA/RibbonMyAddin").read()
    offset = old.openstream("VBA/RibbonMyAddin").read().index(b"\x01\xd4\xb0")  # the source's start
    run_main = decompress_stream(bytearray(ribbon[offset:])).decode("latin-1")
    assert 'RunPython "import gidr_xl;gidr_xl.main()"' in run_main
    assert "ThisWorkbook.Name" not in run_main  # the import no longer depends on the file name
    assert "If ActiveWorkbook Is Nothing Then MsgBox Sheet2.Range" in run_main
    module = decompress_stream(bytearray(new.openstream("VBA/xlwings").read()))
    before = decompress_stream(bytearray(old.openstream("VBA/xlwings").read()))
    assert module.rstrip() == before.replace(b'= "myaddin"', b'= "gidr_xl"').rstrip()
    assert b'Public Const PROJECT_NAME As String = "gidr_xl"' in module


def test_renamed_addin_is_installed_under_its_own_name(xlam: Path, tmp_path: Path, monkeypatch) -> None:
    from gidr_xl.addin import install

    renamed = tmp_path / "gidr_xl (1).xlam"
    renamed.write_bytes(xlam.read_bytes())
    calls = []

    def fake_run(args, **kwargs):
        target = Path(args[args.index("-f") + 1])
        calls.append((target.name, target.read_bytes() == xlam.read_bytes()))
        return SimpleNamespace(returncode=0, stdout="已安装", stderr="")

    monkeypatch.setattr(install.sys, "platform", "win32")
    monkeypatch.setattr(install.subprocess, "run", fake_run)
    install.install(renamed)
    assert calls == [(ADDIN_FILE, True)]


def test_xlwings_pin_matches_the_addin(monkeypatch) -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert f"xlwings=={XLWINGS_VERSION}" in pyproject["project"]["optional-dependencies"]["addin"]
    import xlwings

    assert xlwings.__version__ == XLWINGS_VERSION
    from gidr_xl.addin import install

    monkeypatch.setattr(install, "version", lambda name: "0.30.0")
    with pytest.raises(GidrError, match=r"0\.30\.0.*0\.37\.8"):
        install.install(Path("build/gidr_xl.xlam"))


def test_install_on_a_machine_without_excel_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main(["addin", "install", "-f", str(tmp_path / "gidr_xl.xlam")]) == Exit.UNUSABLE
    assert "Windows 或 macOS" in capsys.readouterr().err


def test_last_years_workbook_is_asked_once_and_remembered(tmp_path: Path) -> None:
    spec, values = load_sample("example-2021")
    this = write_workbook(spec, tmp_path / "2025.xlsx", values=values)
    last_values = dict(values)
    last_values[CellId("INFO", ("报告年度",))] = 2024
    last = write_workbook(spec, tmp_path / "2024.xlsx", values=last_values)  # its 结转 ≠ this 上年结转
    book = FakeBook(this, answers=["yes"], picked=str(last))
    run(book)
    assert "跨年度" in book.app.alerts[0][0]
    codes = {
        row[1].split("[")[0]
        for row in ([book.sheets[RESULT_SHEET].cells.get((r, c)) for c in range(1, 3)] for r in range(3, 40))
        if row[1]
    }
    assert "X3-1" in codes
    meta = book.sheets["_meta"].cells
    assert str(last) in meta.values()
    asked = len(book.app.alerts)
    run(book)  # second click: no question, same cross-year check
    assert not any("跨年度" in a[0] for a in book.app.alerts[asked:])


# --- error localisation on the workbook: the cell that is wrong gets a mark of its own ---


def _hex(rgb: tuple[int, int, int]) -> str:
    return "".join(f"{c:02X}" for c in rgb)


@pytest.fixture()
def jianghai_d9(tmp_path: Path) -> Path:
    """The Jianghai sample with 表三!D9 typed as 2 instead of 1 (J9 and D28 no longer add up)."""
    spec, values = load_sample("jianghai-2019")
    cell = CellId("T3", ("三.一", "自然人"))
    assert spec.cell(cell).ref == "表三!D9" and values[cell] == 1
    values[cell] = 2
    return write_workbook(spec, tmp_path / "江海区-D9.xlsx", values=values)


def test_annotated_copy_marks_the_suspect_cell_first(jianghai_d9: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "已标记.xlsx"
    assert main(["validate", str(jianghai_d9), "--annotate", str(out)]) == Exit.FINDINGS
    capsys.readouterr()
    wb = openpyxl.load_workbook(out)
    d9, j9, d28 = (wb["表三"][a] for a in ("D9", "J9", "D28"))
    assert d9.fill.fgColor.rgb.endswith(_hex(SUSPECT_RGB))
    note = d9.comment.text
    assert "可能应为 1（当前为 2）" in note and "T3-2[自然人]" in note and "T3-3[三.一]" in note
    assert "未发现常见的输入错误类型" in note and "同样小的改法" not in note  # unique, no slip
    for total in (j9, d28):  # the totals stay marked as before, in the error colour
        assert total.fill.fgColor.rgb.endswith(_hex(MARK_RGB[Severity.ERROR])), total.coordinate
        assert "应为 2（当前为 1）" in total.comment.text
    assert _hex(SUSPECT_RGB) != _hex(MARK_RGB[Severity.ERROR])
    rows = [r for r in wb[RESULT_SHEET].iter_rows(min_row=3, values_only=True) if r[0]]
    assert rows[0][0] == SUSPECT_LEVEL and rows[0][3] == "表三!D9" and "可能应为 1（当前为 2）" in rows[0][2]
    assert {r[3] for r in rows[1:]} == {"表三!J9", "表三!D28"}
    assert wb[RESULT_SHEET]["D3"].hyperlink.location == "'表三'!D9"
    assert wb["表三"]["D9"].value == 2  # values are never changed


def test_a_typing_slip_is_named_in_the_note(tmp_path: Path) -> None:
    spec, values = load_sample("example-2021")
    for key in (
        ("三.一", "自然人"),
        ("三.一", "总计"),
        ("三.七", "自然人"),
        ("三.七", "总计"),
        ("一", "自然人"),
        ("一", "总计"),
    ):
        values[CellId("T3", key)] += 5  # type: ignore[operator]  # consistent; the leaf becomes 25
    values[CellId("T3", ("三.一", "自然人"))] = 52
    book = OpenpyxlBook(write_workbook(spec, tmp_path / "颠倒.xlsx", values=values))
    annotate(book, validate(read_book(book)))
    ref = spec.cell(CellId("T3", ("三.一", "自然人")))
    note = book.wb[ref.sheet][ref.address].comment.text
    assert "可能应为 25（当前为 52）" in note and "疑似输入错误：两位数字颠倒" in note


def _looks(book: OpenpyxlBook) -> dict[str, tuple[str, str | None, str]]:
    out = {}
    for ws in book.wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.has_style or cell.comment is not None:
                    look = book.look(ws.title, cell.coordinate)
                    out[f"{ws.title}!{cell.coordinate}"] = (look.fill, look.note, look.author)
    return out


def test_mark_and_clear_restore_exactly_what_was_there(jianghai_d9: Path, tmp_path: Path) -> None:
    book = OpenpyxlBook(jianghai_d9)
    d9, j9, b5 = book.wb["表三"]["D9"], book.wb["表三"]["J9"], book.wb["表三"]["D10"]
    d9.comment = openpyxl.comments.Comment("已与窗口登记核对", "张三")  # the staff's own note and fill
    d9.fill = openpyxl.styles.PatternFill("solid", fgColor="FFCC99")
    b5.comment = openpyxl.comments.Comment("无关的批注", "李四")  # never marked: must stay as is
    before = _looks(book)
    marked = annotate(book, validate(read_book(book)))
    assert marked[0] == "表三!D9" and {"表三!J9", "表三!D28"} <= set(marked)
    assert d9.comment.text.startswith("[错误定位]") and d9.fill.fgColor.rgb.endswith(_hex(SUSPECT_RGB))
    assert clear_previous_marks(book, set()) == len(marked)
    after = _looks(book)
    ours = ("_meta!", f"{RESULT_SHEET}!")  # the record and the result sheet are the add-in's own
    assert {k: v for k, v in after.items() if not k.startswith(ours)} == {
        k: v for k, v in before.items() if not k.startswith(ours)
    }
    assert (d9.comment.text, d9.comment.author) == ("已与窗口登记核对", "张三")
    assert d9.fill.fgColor.rgb.endswith("FFCC99") and j9.comment is None
    assert clear_previous_marks(book, set()) == 0  # nothing left to clear; nothing else touched
    assert _looks(book) == after
    # a mark the staff changed by hand afterwards is left as they made it
    annotate(book, validate(read_book(book)))
    j9.fill = openpyxl.styles.PatternFill("solid", fgColor="00FF00")
    book.wb["表三"]["D9"] = 1  # the fix
    annotate(book, validate(read_book(book)))
    assert j9.fill.fgColor.rgb.endswith("00FF00") and j9.comment is None
    assert (d9.comment.text, d9.comment.author) == ("已与窗口登记核对", "张三")
    assert [r for r in book.wb[RESULT_SHEET].iter_rows(min_row=3, values_only=True) if r[0]] == []


def test_the_annotated_copy_keeps_the_record_for_the_next_run(jianghai_d9: Path, tmp_path: Path) -> None:
    book = OpenpyxlBook(jianghai_d9)
    book.wb["表三"]["D9"].comment = openpyxl.comments.Comment("自己的批注", "张三")
    annotate(book, validate(read_book(book)))
    copy = OpenpyxlBook(book.save_as(tmp_path / "副本.xlsx"))  # marks survive a save and reload
    assert read_report(tmp_path / "副本.xlsx").values == read_report(jianghai_d9).values
    copy.wb["表三"]["D9"] = 1
    annotate(copy, validate(read_book(copy)))
    d9 = copy.wb["表三"]["D9"]
    assert d9.comment.text == "自己的批注" and d9.fill.fgColor.rgb.endswith("FFF9DB")


def test_fake_excel_marks_the_suspect_and_restores_the_staffs_note(jianghai_d9: Path) -> None:
    book = FakeBook(jianghai_d9)
    sheet = book.sheets["表三"]
    sheet.range("D9").add_note("已与窗口登记核对")
    sheet.range("D9").color = (0xFF, 0xCC, 0x99)
    run(book)
    marked = book.marked()
    assert marked["表三!D9"][0] == SUSPECT_RGB and "可能应为 1（当前为 2）" in marked["表三!D9"][1]
    assert marked["表三!J9"][0] == marked["表三!D28"][0] == MARK_RGB[Severity.ERROR]
    results = book.sheets[RESULT_SHEET].cells
    assert (results[(3, 1)], results[(3, 4)]) == (SUSPECT_LEVEL, "表三!D9")
    assert "表三!D9 可能应为 1（当前为 2）" in book.app.alerts[-1][0]
    sheet.cells[(9, 4)] = 1  # the fix
    run(book)
    assert sheet.notes[(9, 4)].text == "已与窗口登记核对" and sheet.colors[(9, 4)] == (0xFF, 0xCC, 0x99)
    assert sheet.colors[(9, 10)] is None and (9, 10) not in sheet.notes  # J9 as it was (no fill)


# --- the action on real PCs: Chinese instructions, never a traceback ---


@pytest.fixture()
def clean_workbook(tmp_path: Path) -> Path:
    spec, values = load_sample("jianghai-2019")
    return write_workbook(spec, tmp_path / "江海区.xlsx", values=values)


def _no_traceback(alerts) -> None:
    assert all("Traceback" not in a[0] and 'File "' not in a[0] for a in alerts)


def test_status_bar_says_checking_at_once_and_is_given_back(clean_workbook: Path) -> None:
    book = FakeBook(clean_workbook, answers=["no", "no"])
    run(book)
    assert book.app.statuses == ["正在校验…", False]


def test_protected_view_gets_an_instruction_and_nothing_is_marked(jianghai_d9: Path) -> None:
    book = FakeBook(jianghai_d9)
    book.app.protected_view = True
    run(book)
    (prompt, title, _, mode), *_ = book.app.alerts
    assert "受保护的视图" in prompt and "启用编辑" in prompt and mode == "critical" and title == TITLE
    assert book.marked() == {} and RESULT_SHEET not in [s.name for s in book.sheets]
    assert book.app.statuses[-1] is False


def test_never_saved_workbook_is_checked_but_asked_to_be_saved_first(clean_workbook: Path) -> None:
    book = FakeBook(clean_workbook, answers=["no"], fullname="工作簿1")  # no folder: never saved
    summary = run(book)
    assert "结论：通过" in summary
    prompt = book.app.alerts[-1][0]
    assert "尚未保存" in prompt and "另存为" in prompt and book.app.alerts[-1][2] == "ok"
    assert not list(clean_workbook.parent.glob("*.docx"))


def test_read_only_folder_gets_an_instruction(clean_workbook: Path, monkeypatch) -> None:
    from gidr_xl.addin import action

    monkeypatch.setattr(action, "writable", lambda folder: False)
    book = FakeBook(clean_workbook, answers=["no"])
    run(book)
    prompt = book.app.alerts[-1][0]
    assert "不允许写入" in prompt and str(clean_workbook.parent) in prompt and "另存为" in prompt
    assert not list(clean_workbook.parent.glob("*.docx"))


def test_report_that_cannot_be_written_is_a_chinese_alert(clean_workbook: Path, monkeypatch) -> None:
    import gidr_xl.compile as compile_module

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(compile_module, "compile_report", denied)
    book = FakeBook(clean_workbook, answers=["no", "yes"])
    run(book)
    assert "不允许写入" in book.app.alerts[-1][0] and book.app.alerts[-1][3] == "critical"
    _no_traceback(book.app.alerts)


def test_writable_tries_the_folder(tmp_path: Path) -> None:
    from gidr_xl.addin.action import writable

    assert writable(tmp_path) and not writable(tmp_path / "不存在的文件夹")
    assert list(tmp_path.iterdir()) == []  # the probe leaves nothing behind


def test_unexpected_error_is_a_chinese_alert_with_a_log_for_it(
    jianghai_d9: Path, monkeypatch, tmp_path: Path
) -> None:
    from gidr_xl.addin import action

    def broken(*args, **kwargs):
        raise KeyError("表三")

    monkeypatch.setattr(action, "annotate", broken)
    monkeypatch.setattr(action.tempfile, "gettempdir", lambda: str(tmp_path))
    book = FakeBook(jianghai_d9, answers=["no"])
    message = run(book)
    (prompt, title, _, mode) = book.app.alerts[-1]
    assert title == TITLE
    assert prompt == message and "意外错误" in prompt and "信息化管理员" in prompt and mode == "critical"
    _no_traceback(book.app.alerts)
    (log,) = tmp_path.glob("gidr-xl-错误-*.log")
    assert str(log) in prompt and "KeyError" in log.read_text(encoding="utf-8")
    assert book.app.statuses[-1] is False


def test_main_without_a_reachable_workbook_alerts_in_chinese(monkeypatch) -> None:
    import xlwings

    alerts = []

    def no_caller():
        raise Exception("Book.caller() must not be called directly.")

    active = SimpleNamespace(alert=lambda prompt, **kw: alerts.append((prompt, kw)))
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(no_caller))
    monkeypatch.setattr(xlwings, "apps", SimpleNamespace(active=active))
    gidr_xl.main()
    assert alerts == [(NO_WORKBOOK_MESSAGE, {"title": TITLE, "mode": "critical"})]
