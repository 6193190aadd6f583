"""Cross-year checks: this year's report against last year's (``gidr validate --prior``).

Rules are data (``cross_year_rules`` in the specs); ``上年T3[四][总计]`` names a cell of last
year's report. Last year's workbook may be of either format version: a rule that names a cell
its format lacks does not apply to that pair.
"""

from __future__ import annotations

import difflib

from gidr_xl.findings import PRIOR_YEAR, Finding, FindingCell
from gidr_xl.model import CellId, Position
from gidr_xl.report import Report
from gidr_xl.rules.python import compile_instance
from gidr_xl.spec.compiled import PRIOR, prior_cell
from gidr_xl.validate.rule_finding import rule_finding
from gidr_xl.values import is_blank


def _text(report: Report, form_id: str) -> str:
    if not any(f.id == form_id for f in report.spec.forms):
        return ""
    cells = report.spec.form(form_id).paragraphs
    return "\n".join(str(report.values[c.id]).strip() for c in cells if not is_blank(report.values.get(c.id)))


def _similarity(report: Report, prior: Report) -> list[Finding]:
    out = []
    for check in report.spec.similarity_checks:
        for form_id in check.forms:
            this, last = _text(report, form_id), _text(prior, form_id)
            if not this or not last:
                continue
            ratio = difflib.SequenceMatcher(None, this, last, autojunk=False).ratio()
            if ratio >= check.threshold:
                first = report.spec.form(form_id).paragraphs[0]
                out.append(
                    Finding(
                        code=check.id,
                        severity=check.severity,
                        title=check.title,
                        message=check.message.format(ratio=round(ratio * 100)),
                        instance=f"{check.id}[{form_id}]",
                        cells=(FindingCell(first.position, str(first.id), report.values.get(first.id)),),
                        expected=None,
                        actual=round(ratio, 3),
                        basis=check.basis,
                        anchor=first.position,
                        params={"ratio": round(ratio * 100)},
                    )
                )
    return out


def cross_year_findings(report: Report, prior: Report) -> list[Finding]:
    """Findings of this year's report against last year's."""
    spec, prior_spec = report.spec, prior.spec
    out: list[Finding] = []
    if report.year is not None and prior.year is not None and prior.year != report.year - 1:
        out.append(
            Finding.of(
                PRIOR_YEAR,
                prior_year=prior.year,
                prior_source=prior.source,
                year=report.year,
                expected_year=report.year - 1,
            )
        )
    values: dict[CellId, object] = dict(report.values)
    values.update({CellId(PRIOR + c.table, c.keys): v for c, v in prior.values.items()})

    def where_of(cell_id: CellId) -> Position | str:
        if cell_id.table.startswith(PRIOR):
            return f"上年报告 {prior_spec.cell(prior_cell(cell_id)).ref}"
        return spec.cell(cell_id).position

    for inst in spec.cross_year_instances(prior_spec):
        outcome = compile_instance(inst)(values)
        if outcome.passed is False:
            out.append(rule_finding(inst, outcome, values, spec, where_of))
    return out + _similarity(report, prior)
