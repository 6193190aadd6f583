"""Real published reports (shared/corpus/real): every hand-checked cell of tables 二, 三, 四.

The corpus README documents the traps; expected.json holds the ground truth. Figures are
printed and kept in the README (导入已发布的年报、批量审核). A cell is never filled by a guess:
wrong cells must be 0, rows the text cannot decide must come out blank and reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gidr_xl.addresses import parse_span
from gidr_xl.importer.classify import CONSISTENT, INCONSISTENT, NO_TABLES, PARTLY_UNREAD, assess
from gidr_xl.importer.digits import piece_unit, piece_value
from gidr_xl.importer.labels import same_row
from gidr_xl.importer.stream import skeleton
from gidr_xl.importer.tables import row_labels
from gidr_xl.importer.workbook import import_report
from gidr_xl.model import CellId

REAL = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
pytestmark = pytest.mark.skipif(not (REAL / "expected.json").exists(), reason="shared/corpus/real absent")


@dataclass
class Tally:
    right: int = 0
    blank: int = 0
    wrong: list[str] = field(default_factory=list)
    published_blank: int = 0  # cells blank in the source (null in expected.json), left blank

    def add(self, got: object, want: object, what: str) -> None:
        if want is None:
            self.published_blank += 1
            if got is not None:
                self.wrong.append(f"{what}: {got!r} for a cell blank in the source")
        elif got is None:
            self.blank += 1
        elif got == want:
            self.right += 1
        else:
            self.wrong.append(f"{what}: {got!r} ≠ {want!r}")

    @property
    def total(self) -> int:
        return self.right + self.blank + len(self.wrong)


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((REAL / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def imported(expected) -> dict[tuple[str, str], object]:
    out = {}
    for docid in expected:
        for kind in ("txt", "html"):
            path = REAL / kind / f"{docid}.{kind}"
            if path.exists():
                out[(docid, kind)] = import_report(path)
    return out


def _t3_key(spec, label: str) -> str:
    wanted = skeleton(label.split("/")[-1])
    return next(k for k, text in row_labels(spec.table("T3")) if skeleton(text) == wanted)


def _t4_cells(spec) -> list[CellId]:
    return [c.id for c in sorted(spec.table("T4").inputs, key=lambda c: parse_span(c.span)[0])]


def _published_t2(imp, row: str) -> list[str] | None:
    return imp.t2_published.get(row) or imp.t2_published.get(same_row(row) or "")


def _ambiguous_rows(truth: dict, kind: str) -> set[str]:
    return (
        {a[3:] for a in truth.get("ambiguous_in_text", []) if a.startswith("t2:")} if kind == "txt" else set()
    )


def test_every_expected_cell(expected, imported) -> None:
    tallies: dict[tuple[str, str], Tally] = {}

    def tally(table: str, kind: str) -> Tally:
        return tallies.setdefault((table, kind), Tally())

    for (docid, kind), imp in imported.items():
        truth = expected[docid]
        if truth["t3"] is None:
            continue
        spec, values = imp.report.spec, imp.report.values
        for label, cells in truth["t3"].items():
            key = _t3_key(spec, label)
            for col, want in zip(spec.table("T3").col_keys, cells, strict=True):
                got = values.get(CellId("T3", (key, col)))
                tally("T3", kind).add(got, want, f"{docid}.{kind} T3 {label} {col}")
        t4_undecided = kind == "txt" and "t4" in truth.get("ambiguous_in_text", [])
        for cell, want in zip(_t4_cells(spec), truth["t4"], strict=True):
            got = values.get(cell)
            if t4_undecided:
                assert got is None, (
                    f"{docid}: table 四 has no consistent split in the text, yet {cell} = {got}"
                )
            tally("T4", kind).add(got, want, f"{docid}.{kind} T4 {cell.keys}")
        ambiguous = _ambiguous_rows(truth, kind)
        for row, cells in truth["t2"].items():
            if cells is None:
                assert _published_t2(imp, row) is None, f"{docid}: 表二 has no “{row}” row"
                continue
            got = _published_t2(imp, row)
            table = "T2 ambiguous in text" if row in ambiguous else "T2"
            for n, want in enumerate(cells):
                tally(table, kind).add(
                    None if got is None else got[n], str(want), f"{docid}.{kind} T2 {row}[{n}]"
                )
            if row in ambiguous and got is None:
                assert any(f"“{row}”" in a or f"“{same_row(row)}”" in a for a in imp.ambiguities), (
                    docid,
                    row,
                )
    print()
    print(
        f"real corpus: {len(imported)} files, {sum(expected[d]['t3'] is not None for d, _ in imported)} with tables"
    )
    for (table, kind), t in sorted(tallies.items()):
        print(
            f"  {table:22s} {kind:4s} right {t.right:5d}  left blank {t.blank:3d}  wrong {len(t.wrong)}"
            f"  of {t.right + t.blank + len(t.wrong)} (+{t.published_blank} blank in the source)"
        )
    wrong = [w for t in tallies.values() for w in t.wrong]
    assert not wrong, wrong[:10]
    for kind in ("txt", "html"):
        t34 = [tally("T3", kind), tally("T4", kind)]
        right, total = sum(t.right for t in t34), sum(t.right + t.blank for t in t34)
        assert right / total >= 0.99, (kind, right, total)
        t2 = tally("T2", kind)
        assert t2.right / (t2.right + t2.blank) >= 0.99, (kind, t2)
    assert tally("T2 ambiguous in text", "txt").right == 0  # never settled by a guess


def _expected_status(truth: dict, kind: str) -> str:
    if truth["t3"] is None:
        return NO_TABLES
    if truth["inconsistent"]:
        return INCONSISTENT
    ambiguous = [a for a in truth.get("ambiguous_in_text", []) if a.startswith(("t2:", "t4"))]
    return PARTLY_UNREAD if kind == "txt" and ambiguous else CONSISTENT


def test_every_report_is_classified(expected, imported) -> None:
    wrong, detected, false_alarms = [], [], []
    for (docid, kind), imp in imported.items():
        status = assess(imp).status
        want = _expected_status(expected[docid], kind)
        if status != want:
            wrong.append(f"{docid}.{kind}: {status} (expected {want})")
        if status == INCONSISTENT:
            (detected if expected[docid]["inconsistent"] else false_alarms).append(f"{docid}.{kind}")
    print()
    print(f"  inconsistent detected: {sorted(detected)}; consistent falsely flagged: {false_alarms}")
    inconsistent = {d for d, t in expected.items() if t["inconsistent"]}
    assert {d.split(".")[0] for d in detected} == inconsistent
    assert not false_alarms and not wrong, wrong


def test_inconsistent_reports_come_out_as_published(expected, imported) -> None:
    """80607: each row read by its own row sum, relations broken as published; 96777 (HTML):
    the published table 四, which breaks its group total."""
    t3 = imported[("80607", "txt")]
    findings = assess(t3).items
    assert any("第一项加第二项之和为 1" in i.message for i in findings)
    html = imported[("96777", "html")]
    assert [html.report.values[c] for c in _t4_cells(html.report.spec)] == expected["96777"]["t4"]
    assert any("总计填写为 15" in i.message for i in assess(html).items)


def test_html_transcriptions_agree_with_their_texts(imported) -> None:
    for (docid, kind), html in imported.items():
        if kind != "html":
            continue
        text = imported[(docid, "txt")]
        for cell, value in text.report.values.items():
            if cell.table in ("T3", "T4"):
                assert html.report.values.get(cell) == value, (docid, cell)
        for row, cells in text.t2_published.items():
            assert html.t2_published.get(row) == cells, (docid, row)
        assert set(text.t2_published) <= set(html.t2_published)


def test_table_two_units_in_the_workbook(imported) -> None:
    """A unit that fits the column is dropped (the number is stored); any other stays as text."""
    for imp in imported.values():
        spec = imp.report.spec
        for row, pieces in imp.t2_published.items():
            if imp.t2_layout != spec.id:
                continue
            key = row if row in spec.table("T2").row_keys else same_row(row)
            cols = [c for c in spec.table("T2").inputs if c.id.keys[0] == key]
            for col, piece in zip(sorted(cols, key=lambda c: parse_span(c.span)[0]), pieces, strict=True):
                stored = imp.report.values.get(col.id)
                assert stored in (piece_value(piece), piece), (col.id, piece, stored)
                if stored == piece:
                    assert piece_unit(piece) and any(piece in n for n in imp.notes)


def test_metadata_from_title_header_and_signature(expected, imported) -> None:
    for (docid, _), imp in imported.items():
        truth = expected[docid]
        assert imp.report.year == truth["report_year"], docid
        assert truth["organ"] in (imp.report.org or ""), docid
        if truth["t3"] is not None:
            assert imp.report.spec.id == f"gb{truth['format']}", docid
    assert any("表二按" in n for n in imported[("80606", "txt")].notes)  # the hybrid is named
