"""The one in-memory report every front-end produces and consumes: cell id → value."""

from __future__ import annotations

from dataclasses import dataclass, field

from gidr_xl.findings import STRUCTURAL, Finding
from gidr_xl.model import CellId
from gidr_xl.spec.compiled import CompiledFormat
from gidr_xl.values import is_number


@dataclass
class Report:
    """Values of every input cell of one report, plus what reading the source revealed."""

    spec: CompiledFormat
    values: dict[CellId, object]
    source: str = ""
    read_findings: list[Finding] = field(default_factory=list)

    @property
    def org(self) -> str:
        value = self.values.get(self.spec.roles.organ)
        return str(value).strip() if value is not None else ""

    @property
    def year(self) -> int | None:
        value = self.values.get(self.spec.roles.year)
        return int(value) if is_number(value) and float(value).is_integer() else None  # type: ignore[arg-type]

    @property
    def structure_broken(self) -> bool:
        """True when tables were restructured: cell values cannot be trusted to mean anything."""
        return any(f.code in STRUCTURAL for f in self.read_findings)
