"""Report → findings: every rule instance of the format, evaluated in Python."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gidr_xl.findings import Finding
from gidr_xl.model import Severity
from gidr_xl.report import Report
from gidr_xl.validate.narrative import narrative_findings
from gidr_xl.validate.prior import cross_year_findings
from gidr_xl.validate.rule_finding import rule_finding

if TYPE_CHECKING:
    from gidr_xl.validate.localize import Localisation


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


def _localised(report: Report) -> Localisation | None:
    """Error localisation, a hint on top of the findings: SciPy loads only when a relation
    fails, and when it cannot load (a broken install, a memory limit) the findings stand alone."""
    try:
        from gidr_xl.validate.localize import localize
    except (ImportError, MemoryError, OSError):
        return None
    return localize(report)


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
        localisation = _localised(report)
    if prior is not None and not prior.structure_broken:
        found.extend(cross_year_findings(report, prior))
    return Result(report, tuple(found), outcomes, localisation)
