"""Deep validation: last year's report, integrity, error localisation, consolidation, fingerprints."""

from __future__ import annotations

import random
from pathlib import Path

import openpyxl
import pytest

from gidr_xl.cli import Exit, main
from gidr_xl.consolidate import check_parent, consolidate, summed_cells
from gidr_xl.model import CellId, FormatSpec
from gidr_xl.reader.integrity import CHECK_FORMULA
from gidr_xl.reader.workbook import read_report
from gidr_xl.report import Report
from gidr_xl.samples import load_sample
from gidr_xl.spec.loader import load_format
from gidr_xl.template.writer import write_workbook
from gidr_xl.validate.localize import localize, typing_slip
from gidr_xl.validate.validator import validate
from tests.fillings import valid_filling

YEAR = CellId("INFO", ("报告年度",))


def last_year_of(spec: FormatSpec, values: dict[CellId, object]) -> dict[CellId, object]:
    """A plausible previous report: its carry-over equals this year's 上年结转, stock continues."""
    prior = dict(values)
    prior[YEAR] = values[YEAR] - 1  # type: ignore[operator]
    for col in spec.groups["C7"]:
        prior[CellId("T3", ("四", col))] = values[CellId("T3", ("二", col))]
    for k in spec.groups.get("表二文件", ()):
        now = CellId("T2", (k, "现行有效件数"))
        if spec.has_cell(now):
            made, gone = values[CellId("T2", (k, "本年制发件数"))], values[CellId("T2", (k, "本年废止件数"))]
            prior[now] = values[now] - made + gone  # type: ignore[operator]
    n5 = spec.form("N5").paragraphs
    prior[n5[0].id] = "上年度的问题是信息更新不及时，已经整改完毕。"
    for p in n5[1:]:
        prior[p.id] = None
    return prior


@pytest.fixture()
def two_years(tmp_path: Path) -> tuple[Path, Path, FormatSpec]:
    spec, values = load_sample("example-2021")
    this = write_workbook(spec, tmp_path / "2025.xlsx", values=values)
    last = write_workbook(spec, tmp_path / "2024.xlsx", values=last_year_of(spec, values))
    return this, last, spec


def test_prior_clean_then_broken_carry_over(two_years, tmp_path: Path, capsys) -> None:
    this, last, spec = two_years
    assert main(["validate", str(this), "--prior", str(last)]) == Exit.OK
    wb = openpyxl.load_workbook(last)
    carried = spec.cell(CellId("T3", ("四", "自然人")))
    wb[carried.sheet][carried.address] = 5  # last year said 5 carried over; this year's 上年结转 is 3
    broken = tmp_path / "2024-改.xlsx"
    wb.save(broken)
    capsys.readouterr()
    assert main(["validate", str(this), "--prior", str(broken), "--json"]) == Exit.FINDINGS
    import json

    findings = json.loads(capsys.readouterr().out)["findings"]
    x31 = [f for f in findings if f["code"] == "X3-1"]
    assert [f["instance"] for f in x31] == ["X3-1[自然人]"]
    refs = [c["ref"] for c in x31[0]["cells"]]
    assert refs == [spec.cell(CellId("T3", ("二", "自然人"))).ref, f"上年报告 {carried.ref}"]


def test_prior_soft_rules_and_copy_paste() -> None:
    spec, values = load_sample("example-2021")
    prior = last_year_of(spec, values)
    prior[CellId("T2", ("行政规范性文件", "现行有效件数"))] = 30  # stock does not continue
    for a, b in zip(spec.form("N5").paragraphs, spec.form("N5").paragraphs, strict=True):
        prior[b.id] = values.get(a.id)  # 五 copied word for word
    result = validate(Report(spec, values), Report(spec, prior))
    codes = {f.code: f.severity.value for f in result.findings}
    assert codes == {"X2-1": "warning", "X5-1": "warning"}


def test_prior_of_the_other_format_and_wrong_year() -> None:
    spec21, values = load_sample("example-2021")
    spec19, old = load_sample("jianghai-2019")
    result = validate(Report(spec21, values), Report(spec19, old))
    codes = {f.code for f in result.findings}
    assert (
        "X3-1" in codes and "prior-year" in codes and "X2-1" not in codes
    )  # 2019 tables have no 现行有效件数
    values19 = dict(old)
    values19[YEAR] = 2020
    prior19 = dict(old)
    prior19[CellId("T2", ("行政许可", "上一年项目数量"))] = 4  # 4 + 0 ≠ 0
    found = [f.instance for f in validate(Report(spec19, values19), Report(spec19, prior19)).findings]
    assert [i for i in found if i.startswith("X2")] == ["X2-19[行政许可]"]
    assert "X5-1[N5]" in found  # the same 五 as last year


def test_tampered_check_formulas_are_named(tmp_path: Path) -> None:
    spec, values = load_sample("jianghai-2019")
    path = write_workbook(spec, tmp_path / "a.xlsx", values=values)
    cells = spec.check_cells
    wb = openpyxl.load_workbook(path)
    visible, hidden = cells["T3-3[一]"], cells["V-REQ[T3[一][自然人]]"]
    wb[visible.sheet][visible.address] = "通过"  # overwritten with a constant
    wb[hidden.sheet][hidden.address] = None  # deleted
    other = cells["V-NUM[T3[一][自然人]]"]  # refers to '表三'!D7 from the 校验明细 sheet
    assert "'" in wb[other.sheet][other.address].value
    # Excel may re-save formulas without quotes around sheet names: that is not tampering
    wb[other.sheet][other.address] = wb[other.sheet][other.address].value.replace("'", "")
    wb.save(path)
    found = {(f.code, f.anchor_ref) for f in validate(read_report(path)).findings}
    assert found == {
        (CHECK_FORMULA, f"{visible.sheet}!{visible.address}"),
        (CHECK_FORMULA, f"{hidden.sheet}!{hidden.address}"),
    }


def test_relabelled_and_wrong_version_workbooks(tmp_path: Path) -> None:
    spec, values = load_sample("jianghai-2019")
    values[YEAR] = 2022  # a 2022 report on the 2019 tables
    path = write_workbook(spec, tmp_path / "b.xlsx", values=values)
    assert "Y-2019" in {f.code for f in validate(read_report(path)).findings}
    wb = openpyxl.load_workbook(path)
    label = spec.table("T3").labels[5]
    wb["表三"][label.span.split(":")[0]] = "商业"
    wb.save(path)
    found = validate(read_report(path)).findings
    assert [(f.code, f.anchor_ref) for f in found] == [
        ("structure-label", f"表三!{label.span.split(':')[0]}")
    ]


def _plant_slip(value: int, rng: random.Random) -> int | None:
    digits = str(value)
    options = []
    if len(digits) >= 2 and len(set(digits)) > 1:
        i = rng.randrange(len(digits) - 1)
        if digits[i] != digits[i + 1]:
            options.append(int(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]))
    if value > 0:
        i = rng.randrange(len(digits))
        options.append(int(digits[: i + 1] + digits[i] + digits[i + 1 :]))  # a digit doubled
    if len(digits) >= 2:
        i = rng.randrange(len(digits))
        dropped = digits[:i] + digits[i + 1 :]
        if not dropped.startswith("0"):
            options.append(int(dropped))
    options = [o for o in options if o != value]
    return rng.choice(options) if options else None


def test_localisation_names_the_planted_cell(capsys) -> None:
    spec = load_format("2021")
    rng = random.Random(1)
    relation_cells = sorted({c for coef, _ in spec.linear_equations for c in coef})
    hits = total = unique = 0
    while total < 100:
        values = valid_filling(spec, rng, scale=20)
        cell = rng.choice(relation_cells)
        wrong = _plant_slip(values[cell], rng)  # type: ignore[arg-type]
        if wrong is None:
            continue
        values[cell] = wrong
        result = localize(Report(spec, values))
        total += 1
        assert result is not None and result.fixes
        first = result.fixes[0]
        hits += [c.cell for c in first.changes] == [cell]
        unique += not result.ambiguous
    with capsys.disabled():
        print(f"\nlocalisation: planted cell named first in {hits}/100 workbooks ({unique} unique)")
    assert hits >= 95


def test_transposition_is_named_and_ties_are_ambiguous() -> None:
    spec, values = load_sample("example-2021")
    cell = CellId("T3", ("三.一", "自然人"))
    for key, delta in (
        (("三.一", "自然人"), 5),
        (("三.一", "总计"), 5),
        (("三.七", "自然人"), 5),
        (("三.七", "总计"), 5),
        (("一", "自然人"), 5),
        (("一", "总计"), 5),
    ):
        values[CellId("T3", key)] += delta  # type: ignore[operator]  # a consistent report, leaf = 25
    assert validate(Report(spec, values)).ok
    values[cell] = 52  # typed with two digits swapped
    loc = localize(Report(spec, values))
    assert loc is not None and not loc.ambiguous
    change = loc.fixes[0].changes[0]
    assert (change.cell, change.new, change.slip) == (cell, 25, "两位数字颠倒")
    assert "可能应为 25（当前为 52），疑似两位数字颠倒" in loc.describe()[0]
    spec, values = load_sample("example-2021")
    values[CellId("T4", ("行政复议", "结果纠正"))] = 2  # 2 + 2 + 0 + 1 ≠ 4: any of several cells
    loc = localize(Report(spec, values))
    assert loc is not None and loc.ambiguous and len(loc.fixes) >= 2
    assert "无法唯一确定" in loc.describe()[0]
    assert typing_slip(177, 17) == "多输入了一位重复数字" and typing_slip(1, 17) == "漏输入了一位数字"


def test_consolidation_of_three_equals_the_cellwise_sum(tmp_path: Path, capsys) -> None:
    spec = load_format("2021")
    rng = random.Random(3)
    paths, fillings = [], []
    for n in range(3):
        values = valid_filling(spec, rng)
        values[YEAR] = 2025
        values[CellId("INFO", ("机关名称",))] = f"单位{n}"
        fillings.append(values)
        paths.append(
            write_workbook(spec, tmp_path / f"单位{n}.xlsx", org=f"单位{n}", year=2025, values=values)
        )
    out = tmp_path / "汇总.xlsx"
    assert main(["consolidate", *map(str, paths), "-o", str(out), "--org", "某某区"]) == Exit.OK
    capsys.readouterr()
    report = read_report(out)
    for cell in summed_cells(spec):
        assert report.values[cell] == pytest.approx(sum(v[cell] for v in fillings)), cell  # type: ignore[misc]
    assert report.org == "某某区" and validate(report).ok
    provenance = openpyxl.load_workbook(out)["汇总来源"]
    rows = list(provenance.iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in rows] == ["单位0", "单位1", "单位2"] and all(len(r[5]) == 64 for r in rows)
    assert check_parent(out, paths) == []
    wb = openpyxl.load_workbook(out)
    wrong = spec.cell(CellId("T4", ("复议后起诉", "结果维持")))
    wb[wrong.sheet][wrong.address] = 999
    wb.save(tmp_path / "上级.xlsx")
    assert [d.ref for d in check_parent(tmp_path / "上级.xlsx", paths)] == [wrong.ref]


def test_consolidation_refuses_mixed_years_and_keeps_blanks(tmp_path: Path, capsys) -> None:
    spec, values = load_sample("example-2021")
    a = write_workbook(spec, tmp_path / "a.xlsx", values=values)
    other = dict(values)
    other[YEAR] = 2024
    b = write_workbook(spec, tmp_path / "b.xlsx", values=other)
    assert (
        main(["consolidate", str(a), str(b), "-o", str(tmp_path / "x.xlsx"), "--org", "区"]) == Exit.UNUSABLE
    )
    assert "同一年度" in capsys.readouterr().err
    blank = dict(values)
    blank[CellId("T3", ("一", "自然人"))] = None
    c = write_workbook(spec, tmp_path / "c.xlsx", values=blank)
    result, _ = consolidate([a, c], "区", tmp_path / "y.xlsx")
    assert result.report.values[CellId("T3", ("一", "自然人"))] is None
    assert "V-REQ" in {f.code for f in result.findings}


def test_fingerprints_are_stable_and_value_bound() -> None:
    spec, values = load_sample("example-2021")
    values[CellId("T4", ("行政复议", "总计"))] = 5
    first = {f.instance: f.fingerprint for f in validate(Report(spec, values)).findings}
    again = {
        f.instance: f.fingerprint
        for f in validate(Report(spec, dict(reversed(list(values.items()))))).findings
    }
    assert first == again and len(set(first.values())) == len(first)
    values[CellId("T4", ("行政复议", "总计"))] = 6
    changed = {f.instance: f.fingerprint for f in validate(Report(spec, values)).findings}
    assert changed["T4-1[行政复议]"] != first["T4-1[行政复议]"]
