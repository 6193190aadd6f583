"""Typed model of a statutory format: tables, forms, input cells and rules.

Everything here is immutable and produced by :mod:`gidr_xl.spec.loader` from the YAML in
``gidr_xl/data/formats``. Addresses are absolute sheet addresses (``D6``); ``CellId`` is the
semantic name of an input cell (``T3[三.七][自然人]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class CellType(StrEnum):
    """What an input cell may hold."""

    COUNT = "count"  # integer >= 0 (件)
    SIGNED = "signed"  # integer, may be negative (V2019 本年增/减)
    DECIMAL = "decimal"  # >= 0, up to 4 decimals, 万元
    MONEY = "money"  # >= 0, up to 2 decimals, 元
    YEAR = "year"
    TEXT = "text"

    @property
    def numeric(self) -> bool:
        return self is not CellType.TEXT


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return "错误" if self is Severity.ERROR else "警告"


@dataclass(frozen=True, order=True)
class CellId:
    """Semantic name of an input cell: a table or form id and one or two keys."""

    table: str
    keys: tuple[str, ...]

    def __str__(self) -> str:
        return self.table + "".join(f"[{k}]" for k in self.keys)

    @classmethod
    def parse(cls, text: str) -> CellId:
        """Parse ``T3[一][自然人]``; raises ValueError on anything else."""
        head, sep, rest = text.partition("[")
        if not sep or not rest.endswith("]") or not head:
            raise ValueError(text)
        keys = tuple(rest[:-1].split("]["))
        if any(not k or "[" in k or "]" in k for k in keys):
            raise ValueError(text)
        return cls(head, keys)


@dataclass(frozen=True, order=True)
class Position:
    """A cell of the workbook: its sheet and address (``表三``, ``D12``)."""

    sheet: str
    address: str

    @property
    def ref(self) -> str:
        """``表三!D12``: the reference users see."""
        return f"{self.sheet}!{self.address}"

    def __str__(self) -> str:
        return self.ref


@dataclass(frozen=True)
class InputCell:
    """One cell the user fills in."""

    id: CellId
    sheet: str
    address: str  # top-left cell, absolute in the sheet, e.g. "D6"
    span: str  # the merged range it occupies, e.g. "B7:D7" (== address when not merged)
    type: CellType
    required: bool
    label: str  # human description, e.g. "一、本年新收政府信息公开申请数量 / 自然人"
    hint: str = ""  # filling hint shown beside form fields

    @property
    def ref(self) -> str:
        """``表三!D6``: the address users see in findings."""
        return f"{self.sheet}!{self.address}"

    @property
    def position(self) -> Position:
        return Position(self.sheet, self.address)


@dataclass(frozen=True)
class LabelCell:
    """A fixed text cell of a table (official label or our own check label)."""

    span: str  # absolute range in the sheet
    text: str


@dataclass(frozen=True)
class CheckPlacement:
    """Where the live check cells of a rule stand: a column right of or a row below its table."""

    axis: str  # "row" or "col"
    offset: int  # 1 = first row/column after the table


@dataclass(frozen=True)
class TableSpec:
    """A statutory table (or a local extension block) on a sheet."""

    id: str
    sheet: str
    section: str | None
    title: str  # workbook-only title (shown above the block on the sheet)
    local: bool  # True for local extension rows that are not part of the national table
    origin_row: int  # sheet row of the table's first row
    n_rows: int
    n_cols: int
    header_rows: int
    label_cols: int
    labels: tuple[LabelCell, ...]
    check_labels: tuple[LabelCell, ...]
    inputs: tuple[InputCell, ...]
    row_keys: tuple[str, ...]  # input row keys in order of first appearance
    col_keys: tuple[str, ...]
    row_labels: dict[str, str] = field(default_factory=dict, compare=False)  # row key → its label
    caption: str = ""  # reader-facing caption in the published report (local blocks)

    @property
    def last_row(self) -> int:
        return self.origin_row + self.n_rows - 1


@dataclass(frozen=True)
class FormSpec:
    """A sheet of labelled fields and/or free-text paragraphs (cover, narrative parts)."""

    id: str
    sheet: str
    section: str | None
    title: str
    note: str
    fields: tuple[InputCell, ...]
    paragraphs: tuple[InputCell, ...]

    @property
    def inputs(self) -> tuple[InputCell, ...]:
        return self.fields + self.paragraphs


@dataclass(frozen=True)
class RuleSpec:
    """A rule as written in the spec, before expansion over its ``for`` domains."""

    id: str
    severity: Severity
    title: str
    expr: str
    message: str
    basis: str
    loops: tuple[tuple[str, str], ...]  # (variable, domain) pairs
    anchor: str | None  # cell template marked when the rule fails, e.g. "T3[四][c]"
    check: CheckPlacement | None
    tolerance: float
    counterexamples: tuple[dict[str, object], ...]
    source: str  # "common.yaml 的 rules[3]（T3-1）", for error messages

    @property
    def per_cell(self) -> bool:
        """True when the rule iterates over input cells (one instance per cell)."""
        return any(domain.startswith("inputs(") for _, domain in self.loops)


@dataclass(frozen=True)
class NarrativeCheck:
    """A figure quoted in the narrative that must equal a table value (Python-only check)."""

    id: str
    severity: Severity
    kind: str  # "number" (pattern + value) or "year" (year mentions vs the report year)
    forms: tuple[str, ...]
    pattern: str
    zero: bool  # the pattern says "none" (没有…): the quoted figure is 0
    value: str  # rule-language expression of the table value
    title: str
    message: str
    source: str


@dataclass(frozen=True)
class SimilarityCheck:
    """A narrative part that must not repeat last year's text (ratio ≥ threshold is a finding)."""

    id: str
    severity: Severity
    forms: tuple[str, ...]
    threshold: float
    title: str
    message: str
    basis: str


@dataclass(frozen=True)
class Section:
    key: str
    heading: str


@dataclass(frozen=True)
class TypeInfo:
    title: str
    prompt: str


@dataclass(frozen=True)
class Roles:
    """Cells with a meaning the code needs, declared by the spec (``roles:``)."""

    organ: CellId  # the organ's name on the cover
    year: CellId  # the report year
    opening: str  # the form whose first paragraph opens the report (总体情况)
    contact: dict[str, CellId] = field(default_factory=dict)  # department, address, postcode, phone, site
    fees: tuple[CellId, ...] = ()  # notices, amount noticed, amount collected (2021 format)

    @property
    def cover(self) -> str:
        """The form that holds the organ and year."""
        return self.organ.table


@dataclass(frozen=True)
class FormatSpec:
    """One statutory format version, fully resolved."""

    id: str
    name: str
    title: str
    first_year: int
    last_year: int | None
    sections: tuple[Section, ...]
    cell_types: dict[CellType, TypeInfo]
    tables: tuple[TableSpec, ...]
    forms: tuple[FormSpec, ...]
    groups: dict[str, tuple[str, ...]]
    rules: tuple[RuleSpec, ...]
    narrative_checks: tuple[NarrativeCheck, ...]
    cross_year_rules: tuple[RuleSpec, ...]
    similarity_checks: tuple[SimilarityCheck, ...]
    roles: Roles
    sha256: str
    _by_id: dict[CellId, InputCell] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for cell in self.inputs:
            self._by_id[cell.id] = cell

    @property
    def inputs(self) -> tuple[InputCell, ...]:
        """Every input cell: forms first (cover, narrative), then tables, in sheet order."""
        out: list[InputCell] = []
        for form in self.forms:
            out.extend(form.inputs)
        for table in self.tables:
            out.extend(table.inputs)
        return tuple(out)

    def cell(self, cell_id: CellId) -> InputCell:
        return self._by_id[cell_id]

    def has_cell(self, cell_id: CellId) -> bool:
        return cell_id in self._by_id

    def table(self, table_id: str) -> TableSpec:
        return next(t for t in self.tables if t.id == table_id)

    def form(self, form_id: str) -> FormSpec:
        return next(f for f in self.forms if f.id == form_id)

    @property
    def sheets(self) -> tuple[str, ...]:
        """Names of the sheets that hold input cells, in workbook order."""
        order = {s.key: i for i, s in enumerate(self.sections)}
        rank: dict[str, int] = {}
        for part in (*self.forms, *self.tables):
            here = order.get(part.section, -1) if part.section else rank.get(part.sheet, -1)
            rank[part.sheet] = min(rank.get(part.sheet, here), here)
        return tuple(sorted(rank, key=rank.__getitem__))

    def key_label(self, key: str) -> str:
        """Human label of a row key (``一`` → ``一、本年新收政府信息公开申请数量``); else the key."""
        for table in self.tables:
            if key in table.row_labels:
                return table.row_labels[key]
        return key

    def covers_year(self, year: int) -> bool:
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)
