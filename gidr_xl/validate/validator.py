"""Report → findings: every rule instance of the format, evaluated in Python."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gidr_xl.model import CellId, FormatSpec, Severity
from gidr_xl.report import Report
from gidr_xl.rules import ast
from gidr_xl.rules.expand import RuleInstance
from gidr_xl.rules.python import Outcome, Values

if TYPE_CHECKING:
    from gidr_xl.validate.localize import Localisation
from gidr_xl.validate.findings import Finding, FindingCell
from gidr_xl.validate.narrative import narrative_findings
from gidr_xl.values import display


@dataclass(frozen=True)
class Result:
    """All findings of one report plus per-instance outcomes (for agreement tests)."""

    report: Report
    findings: tuple[Finding, ...]
    outcomes: dict[str, bool | None]
    localisation: Localisation | None = None

    @property
    def errors(self) -> int:
        return sum(f.severity is Severity.ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity is Severity.WARNING for f in self.findings)

    @property
    def skipped(self) -> int:
        return sum(v is None for v in self.outcomes.values())

    @property
    def ok(self) -> bool:
        return self.errors == 0


RefOf = Callable[[CellId], str]


def _describe(spec: FormatSpec, cell_id: CellId) -> str:
    cell = spec.cell(cell_id)
    return f"{cell.ref}（{cell.label}）"


def _sides(inst: RuleInstance, values: Values, ref_of: RefOf) -> tuple[FindingCell, ...]:
    expr = inst.expr
    if isinstance(expr, ast.Compare) and inst.guarded:
        left, right = ast.cells_of(expr.left), ast.cells_of(expr.right)
    else:
        left, right = inst.cells, ()
    out = [FindingCell(ref_of(c), str(c), values.get(c), "left" if right else "cell") for c in left]
    out += [FindingCell(ref_of(c), str(c), values.get(c), "right") for c in right]
    return tuple(out)


def rule_finding(
    inst: RuleInstance, outcome: Outcome, values: Values, spec: FormatSpec, ref_of: RefOf | None = None
) -> Finding:
    """The finding of a failed instance (``ref_of`` locates cells that are not in ``spec``)."""
    rule = inst.rule
    fields = {k: spec.key_label(v) for k, v in inst.bindings if isinstance(v, str)}
    anchor_value = values.get(inst.anchor) if inst.anchor else None
    fields.update(
        lhs=display(outcome.lhs),
        rhs=display(outcome.rhs),
        value=display(anchor_value),
        cell=_describe(spec, inst.anchor) if inst.anchor else "",
    )
    relation = isinstance(inst.expr, ast.Compare) and inst.guarded
    return Finding(
        code=rule.id,
        severity=rule.severity,
        title=rule.title,
        message=rule.message.format(**fields),
        instance=inst.id,
        cells=_sides(inst, values, ref_of or (lambda c: spec.cell(c).ref)),
        expected=outcome.rhs if relation else None,
        actual=outcome.lhs if relation else anchor_value,
        basis=rule.basis,
        anchor=spec.cell(inst.anchor).ref if inst.anchor else "",
    )


def validate(report: Report, prior: Report | None = None) -> Result:
    """Evaluate every rule (and, given last year's report, the cross-year rules).

    A restructured workbook yields only its structure findings.
    """
    spec, values = report.spec, report.values
    if report.structure_broken:
        return Result(report, tuple(report.read_findings), {})
    outcomes: dict[str, bool | None] = {}
    found = list(report.read_findings)
    for inst, check in spec.python_checks:
        outcome = check(values)
        outcomes[inst.id] = outcome.passed
        if outcome.passed is False:
            found.append(rule_finding(inst, outcome, values, spec))
    found.extend(narrative_findings(report))
    localisation = None
    if any(outcomes[i.id] is False and i.guarded for i, _ in spec.python_checks):
        from gidr_xl.validate.localize import localize  # SciPy loads only when a relation fails

        localisation = localize(report)
    if prior is not None and not prior.structure_broken:
        from gidr_xl.validate.prior import cross_year_findings

        found.extend(cross_year_findings(report, prior))
    return Result(report, tuple(found), outcomes, localisation)
