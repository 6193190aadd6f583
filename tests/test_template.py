"""The generated workbook: official layout, embedded checks, protection, portability."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import absolute_coordinate
from openpyxl.worksheet.worksheet import Worksheet

from gidr_xl.addresses import parse_span, top_left
from gidr_xl.model import FormatSpec
from gidr_xl.office import convert, soffice
from gidr_xl.samples import load_sample
from gidr_xl.spec.layout import (
    CHECK_FIRST_ROW,
    CHECK_SHEET,
    DETAIL_SHEET,
    META_SHEET,
    defined_name,
)
from tests.conftest import REFERENCE, SAMPLES


@pytest.fixture(scope="module")
def wb(template_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(template_path)


def test_labels_and_merges_equal_the_spec(spec: FormatSpec, wb: openpyxl.Workbook) -> None:
    for table in spec.tables:
        ws = wb[table.sheet]
        merged = {str(r) for r in ws.merged_cells.ranges}
        for lab in table.labels:
            assert ws[top_left(lab.span)].value == lab.text, (table.id, lab.span)
            if ":" in lab.span:
                assert lab.span in merged, (table.id, lab.span)
        for cell in table.inputs:
            if ":" in cell.span:
                assert cell.span in merged
        # no stray merges inside the official table area
        for rng in merged:
            _c1, r1, c2, _r2 = parse_span(rng)
            if table.origin_row <= r1 <= table.last_row and c2 <= table.n_cols:
                spans = {lab.span for lab in table.labels} | {c.span for c in table.inputs}
                assert rng in spans, (table.id, rng)


def test_every_national_label_is_verbatim_in_format_spec(spec: FormatSpec) -> None:
    reference = REFERENCE / "format_spec.md"
    if not reference.exists():
        pytest.skip("shared/reference/format_spec.md not beside the checkout")
    text = reference.read_text(encoding="utf-8")
    missing = [lab.text for t in spec.tables if not t.local for lab in t.labels if lab.text not in text]
    assert not missing
    assert all(s.heading in text for s in spec.sections)


def test_every_input_cell_has_validation_name_and_is_unlocked(
    spec: FormatSpec, wb: openpyxl.Workbook
) -> None:
    for cell in spec.inputs:
        ws = wb[cell.sheet]
        covering = [dv for dv in ws.data_validations.dataValidation if cell.address in dv.sqref]
        assert len(covering) == 1, cell.id
        dv = covering[0]
        assert dv.prompt and dv.error and dv.showErrorMessage and dv.showInputMessage
        assert re.search(r"[\u4e00-\u9fff]", dv.prompt)
        assert ws[cell.address].protection.locked is False
        name = wb.defined_names[defined_name(cell)]
        assert name.attr_text == f"'{cell.sheet}'!{absolute_coordinate(cell.address)}"


def test_labels_and_checks_are_locked_and_sheets_protected(spec: FormatSpec, wb: openpyxl.Workbook) -> None:
    for sheet in (*spec.sheets, CHECK_SHEET, DETAIL_SHEET):
        assert wb[sheet].protection.sheet, sheet
        assert not wb[sheet].protection.password
    for table in spec.tables:
        for lab in table.labels:
            assert wb[table.sheet][top_left(lab.span)].protection.locked
    for where in spec.check_cells.values():
        assert wb[where.sheet][where.address].protection.locked


def test_protection_allows_formatting_rows_and_columns(spec: FormatSpec, template_path: Path) -> None:
    """ECMA-376 §18.3.1.85: an attribute of 1 forbids the action, 0 allows it (default 1)."""
    with zipfile.ZipFile(template_path) as zf:
        xml = [zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
    tags = [m.group(0) for x in xml for m in [re.search(r"<sheetProtection\b[^>]*>", x)] if m]
    assert len(tags) == len(spec.sheets) + 2  # every sheet but _meta
    for tag in tags:
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        assert attrs["sheet"] == "1" and "password" not in attrs
        assert attrs["formatRows"] == attrs["formatColumns"] == attrs["formatCells"] == "0", tag
        assert attrs["insertRows"] == attrs["deleteRows"] == attrs["deleteColumns"] == "1", tag


def test_every_rule_instance_has_a_live_formula(spec: FormatSpec, wb: openpyxl.Workbook) -> None:
    cells = spec.check_cells
    assert len(cells) == len(spec.instances)
    for inst in spec.instances:
        value = wb[cells[inst.id].sheet][cells[inst.id].address].value
        assert isinstance(value, str) and value.startswith("="), inst.id
    for rule in {i.rule.id: i.rule for i in spec.instances}.values():
        summary = [
            r for r in wb[CHECK_SHEET].iter_rows(values_only=True) if r[0] and str(r[0]).startswith(rule.id)
        ]
        assert summary, rule.id


def test_only_classic_functions(template_path: Path) -> None:
    allowed = {
        "IF",
        "SUM",
        "COUNT",
        "COUNTIF",
        "SUMIF",
        "ISNUMBER",
        "ISERROR",
        "INT",
        "ROUND",
        "ABS",
        "LEN",
        "TRIM",
        "NOT",
        "OR",
        "AND",
    }
    with zipfile.ZipFile(template_path) as zf:
        xml = "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/worksheets/"))
    formulas_text = " ".join(re.findall(r"<f>(.*?)</f>", xml))
    used = set(re.findall(r"(?<![\w.!'])([A-Z][A-Z0-9.]*)\(", formulas_text))
    assert used and used <= allowed, used - allowed
    assert "_xlfn" not in xml


def test_conditional_formatting_marks_totals(spec: FormatSpec, wb: openpyxl.Workbook) -> None:
    ws = wb["表三"]
    ranges = {str(cf.sqref) for cf in ws.conditional_formatting}
    total = spec.cell(next(c.id for c in spec.table("T3").inputs if c.id.keys == ("三.七", "总计")))
    assert total.address in ranges


def test_print_setup_and_frozen_panes(spec: FormatSpec, wb: openpyxl.Workbook) -> None:
    for table in (t for t in spec.tables if not t.local):
        ws = wb[table.sheet]
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.freeze_panes
        if table.header_rows:
            assert ws.print_title_rows == f"${table.origin_row}:${table.origin_row + table.header_rows - 1}"


#: A developer file or path: ``format_spec.md``, ``gidr_xl/data``, ``C:\x``, ``common.yaml``.
_FILE_REF = re.compile(r"format_spec|\.(?:md|ya?ml|py|json)\b|[A-Za-z_]\w*/\w|[A-Za-z]:\\")


@pytest.mark.parametrize("which", ["template", "sample"])
def test_no_sheet_cites_a_developer_file(
    spec: FormatSpec, template_path: Path, sample_path: Path, which: str
) -> None:
    book = openpyxl.load_workbook(template_path if which == "template" else sample_path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.data_type != "f":
                    assert not _FILE_REF.search(c.value), (ws.title, c.coordinate, c.value)
    basis_col = [c.value for c in book[CHECK_SHEET]["F"][CHECK_FIRST_ROW - 1 :] if c.value]
    assert basis_col and all(re.search(r"国办公开办函〔20\d\d〕\d+号|《.+》|金额", v) for v in basis_col)


def test_metadata_sheet(spec: FormatSpec, wb: openpyxl.Workbook) -> None:
    ws = wb[META_SHEET]
    meta = {r[0]: r[1] for r in ws.iter_rows(values_only=True)}
    assert ws.sheet_state == "veryHidden"
    assert meta["format"] == spec.id and meta["spec_sha256"] == spec.sha256
    assert meta["template_version"]


def test_cover_holds_org_and_year(spec: FormatSpec, wb: openpyxl.Workbook) -> None:
    assert wb["封面"]["B4"].value == "测试局"
    assert wb["封面"]["B5"].value == spec.first_year
    assert wb.sheetnames[:2] == ["封面", "总体情况"]


def _column_widths(ws: Worksheet) -> dict[int, float]:
    widths: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        for col in range(dim.min or 1, (dim.max or dim.min or 1) + 1):
            widths[col] = dim.width
    return widths


@pytest.mark.parametrize("which", ["template", "sample"])
def test_every_wrapped_text_row_is_tall_enough(
    spec: FormatSpec, template_path: Path, sample_path: Path, which: str
) -> None:
    """Rows holding wrapped labels or paragraphs carry a height that fits their text.

    Lower bound, independent of the writer's estimate: each CJK character takes 2 width units
    at 10 pt, a line at least 1.3 × the font size; a paragraph row offers 3 lines even blank.
    """
    book = openpyxl.load_workbook(template_path if which == "template" else sample_path)
    paragraphs = {(f.sheet, p.address) for f in spec.forms for p in f.paragraphs}
    checked = 0
    for ws in book.worksheets:
        if ws.title == META_SHEET:
            continue
        widths = _column_widths(ws)
        merges = {(r.min_row, r.min_col): r for r in ws.merged_cells.ranges}
        for row in ws.iter_rows():
            for c in row:
                paragraph = (ws.title, c.coordinate) in paragraphs
                text = c.value if isinstance(c.value, str) and c.data_type != "f" else ""
                if not (c.alignment.wrap_text and (text or paragraph)):
                    continue
                rng = merges.get((c.row, c.column))
                c2, r2 = (rng.max_col, rng.max_row) if rng else (c.column, c.row)
                width = sum(widths.get(col, 8.43) for col in range(c.column, c2 + 1))
                size = c.font.sz
                wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
                lines = max(math.ceil(wide * 2 * size / 10 / width), 3 if paragraph else 1)
                heights = [ws.row_dimensions[r].height for r in range(c.row, r2 + 1)]
                assert None not in heights, (ws.title, c.coordinate, text)
                assert sum(heights) >= lines * size * 1.3, (ws.title, c.coordinate, text, heights)
                checked += 1
    assert checked > 300


@pytest.mark.skipif(soffice() is None or not shutil.which("pdftotext"), reason="LibreOffice/poppler missing")
def test_printed_pages_show_labels_and_paragraphs_in_full(
    spec: FormatSpec, template_path: Path, sample_path: Path, tmp_path: Path
) -> None:
    """On paper (LibreOffice → PDF) no label or paragraph is clipped or overprinted."""
    pdfs = convert([template_path, sample_path], "pdf", tmp_path)
    assert all(p.stat().st_size > 10_000 for p in pdfs)
    text = subprocess.run(["pdftotext", str(pdfs[1]), "-"], capture_output=True, text=True, check=True).stdout
    printed = re.sub(r"\s+", "", text)
    _, values = load_sample(SAMPLES[spec.id])
    paragraphs = [v for k, v in values.items() if isinstance(v, str) and k.keys[0].startswith("第")]
    labels = [lab.text for t in spec.tables for lab in t.labels]
    assert paragraphs and labels
    missing = [t for t in (*labels, *paragraphs) if re.sub(r"\s+", "", t) not in printed]
    assert not missing
