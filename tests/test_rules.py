"""Rules: each fires on its minimal counterexample and stays silent on the samples."""

from __future__ import annotations

import pytest

from gidr_xl.model import CellId, FormatSpec, RuleSpec
from gidr_xl.report import Report
from gidr_xl.samples import load_sample
from gidr_xl.validate.validator import validate
from tests.conftest import SAMPLES


def apply_counterexample(
    spec: FormatSpec, values: dict[CellId, object], rule: RuleSpec
) -> dict[CellId, object]:
    """The sample with the rule's first applicable counterexample applied."""
    for example in rule.counterexamples:
        out = dict(values)
        try:
            for target, change in example.items():
                if target.endswith("[*]"):
                    cells = [p.id for p in spec.form(target[:-3]).paragraphs]
                else:
                    cells = [CellId.parse(target)]
                    if not spec.has_cell(cells[0]):
                        raise KeyError(target)
                for cell in cells:
                    if isinstance(change, dict):
                        out[cell] = out[cell] + change["add"]  # type: ignore[operator]
                    else:
                        out[cell] = None if change == "blank" else change
        except (KeyError, StopIteration):
            continue
        return out
    raise AssertionError(f"rule {rule.id} has no counterexample that applies to {spec.id}")


def test_samples_are_clean(spec: FormatSpec) -> None:
    sample_spec, values = load_sample(SAMPLES[spec.id])
    result = validate(Report(sample_spec, values))
    assert result.findings == ()
    assert result.skipped == 0


def test_every_rule_fires_on_its_counterexample(spec: FormatSpec) -> None:
    _, values = load_sample(SAMPLES[spec.id])
    live = {i.rule.id: i.rule for i in spec.instances}
    assert {"T3-1", "T3-2", "T3-3", "T4-1", "V-REQ", "V-NUM", "V-INT", "V-NONNEG"} <= set(live)
    for rule in live.values():
        broken = apply_counterexample(spec, values, rule)
        codes = {f.code for f in validate(Report(spec, broken)).findings}
        assert rule.id in codes, (rule.id, codes)


def test_blank_is_not_zero(spec: FormatSpec) -> None:
    """A blank leaf is a finding and leaves the sums it belongs to unevaluated, not summed as 0."""
    _, values = load_sample(SAMPLES[spec.id])
    values[CellId("T3", ("三.二", "自然人"))] = None
    result = validate(Report(spec, values))
    assert [(f.code, f.refs) for f in result.findings] == [
        ("V-REQ", (spec.cell(CellId("T3", ("三.二", "自然人"))).ref,))
    ]
    assert result.outcomes["T3-2[自然人]"] is None and result.outcomes["T3-3[三.二]"] is None


def test_relation_finding_lists_both_sides_and_values() -> None:
    spec, values = load_sample("jianghai-2019")
    cell = CellId("T3", ("三.三.5", "自然人"))
    values[cell] = 3
    result = validate(Report(spec, values))
    t32 = next(f for f in result.findings if f.instance == "T3-2[自然人]")
    assert (t32.actual, t32.expected) == (1, 4)
    sides = {c.side for c in t32.cells}
    assert sides == {"left", "right"}
    assert spec.cell(cell).ref in t32.refs
    assert "（七）总计" in t32.message


@pytest.mark.parametrize("text", ["12", " ", "无", True])
def test_non_numbers_are_findings_not_crashes(text: object) -> None:
    spec, values = load_sample("example-2021")
    values[CellId("T4", ("行政复议", "总计"))] = text
    result = validate(Report(spec, values))
    assert not result.ok
    assert result.outcomes["T4-1[行政复议]"] is None
