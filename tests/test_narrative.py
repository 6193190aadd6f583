"""Narrative vs tables: quoted figures, "none" statements and year mentions."""

from __future__ import annotations

import pytest

from gidr_xl.model import CellId
from gidr_xl.report import Report
from gidr_xl.samples import load_sample
from gidr_xl.validate.narrative import narrative_findings


def _codes(spec, values) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.code, f.refs) for f in narrative_findings(Report(spec, values))]


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("T3[一][总计]", "C-收到申请"),
        ("T3[二][总计]", "C-上年结转"),
        ("T3[三.七][总计]", "C-办结"),
        ("T3[四][总计]", "C-结转下年"),
        ("T4[行政复议][总计]", "C-行政复议"),
        ("T4[复议后起诉][总计]", "C-行政诉讼"),
        ("T2[行政规范性文件][本年制发件数]", "C-制发规范性文件"),
        ("T2[行政规范性文件][本年废止件数]", "C-废止规范性文件"),
        ("T2[行政规范性文件][现行有效件数]", "C-现行有效规范性文件"),
        ("N6[收费通知件数]", "C-收费通知件数"),
        ("N6[收费通知总金额]", "C-收费通知金额"),
        ("N6[实际收取总金额]", "C-实际收费"),
    ],
)
def test_each_quoted_figure_is_checked_against_its_cell(cell: str, code: str) -> None:
    spec, values = load_sample("example-2021")
    assert _codes(spec, values) == []
    target = CellId.parse(cell)
    values[target] = values[target] + 1  # type: ignore[operator]
    found = [f for f in narrative_findings(Report(spec, values)) if f.code == code]
    assert len(found) == 1
    finding = found[0]
    assert spec.cell(target).ref in finding.refs
    assert finding.refs[0].startswith(("总体情况!", "其他事项!"))
    assert "原文" in finding.message and finding.anchor_ref == finding.refs[0]


def test_none_statements_are_zero() -> None:
    spec, values = load_sample("jianghai-2019")
    values[CellId("T4", ("行政复议", "总计"))] = 1
    values[CellId("T4", ("复议后起诉", "总计"))] = 2
    codes = {code for code, _ in _codes(spec, values)}
    assert {"C-行政复议", "C-行政诉讼"} <= codes
    values = load_sample("jianghai-2019")[1]
    values[CellId("T3", ("一", "总计"))] = 2  # 受理政府公开申请1宗
    assert [c for c, _ in _codes(spec, values)] == ["C-收到申请"]


def test_year_mentions() -> None:
    spec, values = load_sample("example-2021")
    n1, n5 = spec.form("N1").paragraphs, spec.form("N5").paragraphs
    values[n1[0].id] = "2024年，示例局认真贯彻《条例》。"  # copied from last year's report
    values[n1[1].id] = "根据《关于印发2019年政务公开工作要点的通知》（示例〔2019〕1号）开展工作。"
    values[n5[0].id] = "2026年将继续完善专栏；2031年前完成全部整改。"
    found = [(f.code, f.anchor_ref, f.actual) for f in narrative_findings(Report(spec, values))]
    assert found == [("C-年份", n1[0].ref, 2024), ("C-年份", n5[0].ref, 2031)]


@pytest.mark.parametrize(
    ("sample", "sentence", "cell", "code"),
    [
        ("example-2021", "本年度制发规章2件，现行有效规章0件。", "T2[规章][本年制发件数]", "C-制发规章"),
        ("example-2021", "本年度制发规章0件，现行有效规章9件。", "T2[规章][现行有效件数]", "C-现行有效规章"),
        ("jianghai-2019", "本年度制作规章1件。", "T2[规章][本年新制作数量]", "C-制作规章"),
        ("jianghai-2019", "本年度制发规范性文件8件。", "T2[规范性文件][本年新制作数量]", "C-制作规范性文件"),
    ],
)
def test_rules_and_normative_documents_quoted_in_the_narrative(
    sample: str, sentence: str, cell: str, code: str
) -> None:
    spec, values = load_sample(sample)
    values[spec.form("N1").paragraphs[0].id] = sentence
    found = [
        f for f in narrative_findings(Report(spec, values)) if f.code.startswith("C-") and f.code != "C-年份"
    ]
    assert [(f.code, spec.cell(CellId.parse(cell)).ref in f.refs) for f in found] == [(code, True)]
