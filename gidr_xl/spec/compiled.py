"""The compiled format: a spec plus everything derived from it, each fact derived once.

:func:`gidr_xl.spec.loader.load_format` builds one per format and process; building it *is*
the spec's validation (every rule expanded, every narrative and cross-year cell resolved). The
template writer, the reader, the validator and the outputs all take it and ask it, instead of
re-deriving rule instances, check cells, formulas or extents themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from gidr_xl.addresses import parse_span, split_address
from gidr_xl.errors import SpecError
from gidr_xl.model import CellId, CellType, FormatSpec
from gidr_xl.rules import ast
from gidr_xl.rules.excel import compile_instance as excel_formula
from gidr_xl.rules.expand import Binding, ExpansionError, RuleInstance, expand, expand_expression
from gidr_xl.rules.linear import Equation, linear_equations
from gidr_xl.rules.parse import RuleSyntaxError
from gidr_xl.rules.python import Outcome, Values
from gidr_xl.rules.python import compile_instance as python_check
from gidr_xl.rules.spelling import FormulaKey, formula_key, libreoffice_spelling
from gidr_xl.spec.layout import CheckCell, place_checks, ref_from

#: Prefix of a cell of last year's report in a cross-year rule (``上年T3[四][总计]``).
PRIOR = "上年"

Extent = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class CheckFormula:
    """An instance's live check as placed in the workbook, and how to recognise it again."""

    instance: RuleInstance
    cell: CheckCell
    formula: str  # as the template writes it, with a leading "="
    spellings: frozenset[str]  # the same formula as office suites save it (exact-match fast path)
    key: FormulaKey  # its meaning, for formulas spelled any other way


def prior_cell(cell_id: CellId) -> CellId:
    """The cell of last year's report that ``上年…`` names."""
    return CellId(cell_id.table.removeprefix(PRIOR), cell_id.keys)


@dataclass(frozen=True, eq=False)
class CompiledFormat(FormatSpec):
    """One statutory format with its derived facts as cached properties."""

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "_cross_year", {})

    # -- rule instances -------------------------------------------------------------------------

    def resolve(self, domain: str) -> tuple[Binding, ...]:
        """The values a rule's ``for`` domain ranges over (``inputs(count)``, a group name)."""
        if domain.startswith("inputs(") and domain.endswith(")"):
            wanted = {w.strip() for w in domain[len("inputs(") : -1].split(",") if w.strip()}
            if wanted == {"required"}:
                return tuple(c.id for c in self.inputs if c.required)
            try:
                types = {CellType(w) for w in wanted}
            except ValueError:
                raise ExpansionError(f"未知的范围“{domain}”") from None
            return tuple(c.id for c in self.inputs if c.type in types)
        if domain not in self.groups:
            raise ExpansionError(f"未知的分组“{domain}”")
        return self.groups[domain]

    @cached_property
    def instances(self) -> tuple[RuleInstance, ...]:
        """Every concrete check of the format, in rule order; SpecError on a rule that does not
        expand (unknown cell, group or domain)."""
        out: list[RuleInstance] = []
        for rule in self.rules:
            try:
                out.extend(expand(rule, self.resolve, self.has_cell))
            except ExpansionError as exc:
                raise SpecError(f"格式规范文件 {rule.source} 有误：规则 {rule.id}：{exc}") from None
        return tuple(out)

    @cached_property
    def instances_by_rule(self) -> dict[str, tuple[RuleInstance, ...]]:
        grouped: dict[str, list[RuleInstance]] = {}
        for inst in self.instances:
            grouped.setdefault(inst.rule.id, []).append(inst)
        return {k: tuple(v) for k, v in grouped.items()}

    @cached_property
    def python_checks(self) -> tuple[tuple[RuleInstance, Callable[[Values], Outcome]], ...]:
        """Each instance with its Python evaluator."""
        return tuple((inst, python_check(inst)) for inst in self.instances)

    @cached_property
    def linear_equations(self) -> tuple[Equation, ...]:
        """The instances that are linear equations, for localising errors."""
        return linear_equations(self.instances)

    # -- the workbook's live checks ---------------------------------------------------------------

    @cached_property
    def check_cells(self) -> dict[str, CheckCell]:
        """Instance id → the cell that holds its live formula."""
        return place_checks(self, self.instances)

    @cached_property
    def check_formulas(self) -> tuple[CheckFormula, ...]:
        """Every instance's Excel formula as placed on its sheet, with its accepted spellings."""
        out = []
        for inst in self.instances:
            cell = self.check_cells[inst.id]
            formula = excel_formula(inst, ref_from(cell.sheet, self))
            spellings = frozenset({formula, libreoffice_spelling(formula)})
            out.append(CheckFormula(inst, cell, formula, spellings, formula_key(formula)))
        return tuple(out)

    @cached_property
    def read_extent(self) -> Extent:
        """Per sheet, the bottom-right corner of every cell the format knows (labels, inputs,
        check cells): how far a reader reads."""
        wanted: Extent = {}

        def grow(sheet: str, col: int, row: int) -> None:
            c, r = wanted.get(sheet, (0, 0))
            wanted[sheet] = (max(c, col), max(r, row))

        for cell in self.inputs:
            grow(cell.sheet, *parse_span(cell.address)[2:])
        for table in self.tables:
            for label in table.labels:
                grow(table.sheet, *parse_span(label.span)[2:])
        for check in self.check_formulas:
            grow(check.cell.sheet, *split_address(check.cell.address))
        return wanted

    # -- narrative and cross-year checks ----------------------------------------------------------

    @cached_property
    def narrative_targets(self) -> dict[str, tuple[ast.Node, tuple[CellId, ...]]]:
        """Table expression of each numeric narrative check → its tree and cells."""
        out = {}
        for check in self.narrative_checks:
            if check.kind == "number" and check.value not in out:
                try:
                    node = expand_expression(check.value, self.has_cell)
                except (RuleSyntaxError, ExpansionError) as exc:
                    raise SpecError(f"格式规范文件 {check.source}.value 有误：{exc}") from None
                out[check.value] = (node, ast.cells_of(node))
        return out

    def cross_year_instances(self, prior: FormatSpec) -> tuple[RuleInstance, ...]:
        """Cross-year rule instances against a report of ``prior``'s format: a rule that names a
        cell that format lacks does not apply to the pair (checked at load time that the cell
        exists in some format)."""
        cache: dict[str, tuple[RuleInstance, ...]] = self._cross_year  # type: ignore[attr-defined]
        if prior.id not in cache:

            def exists(cell_id: CellId) -> bool:
                if cell_id.table.startswith(PRIOR):
                    return prior.has_cell(prior_cell(cell_id))
                return self.has_cell(cell_id)

            out: list[RuleInstance] = []
            for rule in self.cross_year_rules:
                try:
                    out.extend(expand(rule, self.resolve, exists))
                except ExpansionError:
                    continue
            cache[prior.id] = tuple(out)
        return cache[prior.id]

    def check_cross_year(self, prior_cells: Callable[[CellId], bool]) -> None:
        """SpecError when a cross-year rule names a cell of this year that does not exist, or a
        ``上年`` cell that no format has (``prior_cells``)."""

        def exists(cell_id: CellId) -> bool:
            if cell_id.table.startswith(PRIOR):
                return prior_cells(prior_cell(cell_id))
            return self.has_cell(cell_id)

        for rule in self.cross_year_rules:
            try:
                expand(rule, self.resolve, exists)
            except ExpansionError as exc:
                raise SpecError(f"格式规范文件 {rule.source} 有误：规则 {rule.id}：{exc}") from None
