"""Report → a neutral document (title, opening, six sections, official tables).

The .docx and HTML writers render this same structure, so both carry identical text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gidr_xl.addresses import parse_span
from gidr_xl.model import CellId, CellType, FormSpec, TableSpec
from gidr_xl.report import Report
from gidr_xl.values import display, is_blank, is_number

#: Printed on every page of a report built with --force despite errors.
DRAFT_MARK = "核对稿·未通过校验"

#: A sub-heading line such as “（一）领导高度重视，职责分工明确”.
_SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）\S")
_SUBHEADING_MAX = 40


@dataclass(frozen=True)
class GridCell:
    """One visible cell of a table grid (0-based position, spans ≥ 1)."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False  # a label (rendered as <th>, bold), not a number
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    key: str  # table id (T3) or local extension id (T2X)
    n_rows: int
    n_cols: int
    cells: tuple[GridCell, ...]
    header_rows: int
    caption: str = ""
    local: bool = False

    @property
    def wide(self) -> bool:
        """Too wide for a portrait A4 page at a readable size: goes into a landscape section."""
        return self.n_cols > 10


@dataclass(frozen=True)
class Paragraph:
    text: str
    subheading: bool = False


@dataclass
class DocSection:
    heading: str
    blocks: list[Paragraph | Table] = field(default_factory=list)


@dataclass
class Document:
    title: str
    opening: str
    sections: list[DocSection]
    notice: str | None = None  # shown at the top of a report that failed validation
    org: str = ""  # the reporting organ (author of the published files)
    title_lines: tuple[str, ...] = ()  # the title as printed, broken where GB/T 9704 7.3.1 wants it

    @property
    def draft_mark(self) -> str | None:
        """The mark on every page of a forced build (header in .docx/PDF, banner in HTML)."""
        return DRAFT_MARK if self.notice else None

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]


def format_value(value: object, ctype: CellType) -> str:
    """A cell value as printed in the report (no thousands separators, no trailing zeros)."""
    if value is None:
        return ""
    if is_number(value):
        number = float(value)  # type: ignore[arg-type]
        if number.is_integer() and ctype is not CellType.MONEY:
            return str(int(number))
        digits = 4 if ctype is CellType.DECIMAL else 2
        text = f"{number:.{digits}f}".rstrip("0").rstrip(".")
        return text
    return value if isinstance(value, str) else display(value)  # the whole text in the report


def _table(spec_table: TableSpec, values: dict[CellId, object], caption: str = "") -> Table:
    origin = spec_table.origin_row
    cells: list[GridCell] = []
    for lab in spec_table.labels:
        c1, r1, c2, r2 = parse_span(lab.span)
        cells.append(GridCell(r1 - origin, c1 - 1, lab.text, r2 - r1 + 1, c2 - c1 + 1, header=True))
    for cell in spec_table.inputs:
        c1, r1, c2, r2 = parse_span(cell.span)
        text = format_value(values.get(cell.id), cell.type)
        cells.append(GridCell(r1 - origin, c1 - 1, text, r2 - r1 + 1, c2 - c1 + 1, numeric=cell.type.numeric))
    cells.sort(key=lambda c: (c.row, c.col))
    return Table(
        key=spec_table.id,
        n_rows=spec_table.n_rows,
        n_cols=spec_table.n_cols,
        cells=tuple(cells),
        header_rows=spec_table.header_rows,
        caption=caption,
        local=spec_table.local,
    )


def _local_table(spec_table: TableSpec, values: dict[CellId, object]) -> Table | None:
    """Local extension rows that hold something, after the national table (never inside it)."""
    used = [
        k
        for k in spec_table.row_keys
        if any(not is_blank(values.get(CellId(spec_table.id, (k, c)))) for c in spec_table.col_keys)
    ]
    if not used:
        return None
    cells = [GridCell(0, i, col, header=True) for i, col in enumerate(spec_table.col_keys)]
    by_id = {c.id: c for c in spec_table.inputs}
    for r, key in enumerate(used, 1):
        for i, col in enumerate(spec_table.col_keys):
            cell = by_id[CellId(spec_table.id, (key, col))]
            text = format_value(values.get(cell.id), cell.type)
            cells.append(GridCell(r, i, text, numeric=cell.type.numeric))
    return Table(
        spec_table.id,
        len(used) + 1,
        len(spec_table.col_keys),
        tuple(cells),
        1,
        caption=spec_table.caption,
        local=True,
    )


def _paragraphs(form: FormSpec, values: dict[CellId, object]) -> list[Paragraph]:
    out = []
    for cell in form.paragraphs:
        value = values.get(cell.id)
        if is_blank(value):
            continue
        text = str(value).strip()
        out.append(Paragraph(text, subheading=bool(_SUBHEADING.match(text)) and len(text) <= _SUBHEADING_MAX))
    return out


def _field(report: Report, role: str) -> str:
    """The text of a contact field (``site``, ``phone`` …); '' when blank or not in the format."""
    cell_id = report.spec.roles.contact.get(role)
    value = report.values.get(cell_id) if cell_id is not None else None
    return "" if is_blank(value) else (value if isinstance(value, str) else display(value)).strip()


def opening_paragraph(report: Report) -> str:
    """The customary preamble: legal basis, structure, statistical period, where, contact."""
    org, year = report.org, report.year
    headings = "、".join(s.heading.split("、", 1)[1] for s in report.spec.sections)
    text = (
        f"根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定，现向社会公布{org}{year}年政府信息公开工作年度报告。"
        f"本报告由{headings}六部分组成。本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
    )
    site = _field(report, "site")
    if site:
        text += f"本报告的电子版可在{site}查阅或下载。"
    contact = [
        f"{label}：{_field(report, key)}"
        for key, label in (("address", "地址"), ("postcode", "邮编"), ("phone", "电话"))
        if _field(report, key)
    ]
    if contact:
        who = _field(report, "department") or org
        text += f"如对本报告有疑问，请与{who}联系（{'，'.join(contact)}）。"
    return text


def _fee_sentence(report: Report, existing: list[Paragraph]) -> Paragraph | None:
    """2021 format: the 信息处理费 statement from the structured fields, unless the text has it."""
    ids = report.spec.roles.fees
    if not ids:
        return None
    if any("收费通知" in p.text or "信息处理费" in p.text for p in existing):
        return None
    notices, notified, collected = (report.values.get(i) for i in ids)
    if not all(is_number(v) for v in (notices, notified, collected)):
        return None
    if notices == 0 and collected == 0:
        return Paragraph("本年度没有发出信息处理费收费通知，未收取信息处理费。")
    return Paragraph(
        f"本年度依据《政府信息公开信息处理费管理办法》发出收费通知{format_value(notices, CellType.COUNT)}件，"
        f"收费通知总金额{format_value(notified, CellType.MONEY)}元，"
        f"实际收取信息处理费{format_value(collected, CellType.MONEY)}元。"
    )


#: Full-width characters of 2号 on one title line of the 156 mm type area (one spare).
TITLE_LINE_CHARS = 19


def _width(text: str) -> float:
    """Printed width in full-width characters (ASCII digits and letters are half-width)."""
    return sum(0.5 if ch.isascii() else 1 for ch in text)


def title_lines(org: str, rest: str, limit: float = TITLE_LINE_CHARS) -> tuple[str, ...]:
    """The title on one line, or broken after the organ name (词意完整、排列对称) when both fit.

    A longer organ name is left to the word processor: one line if it cannot be kept whole.
    """
    whole = org + rest
    if _width(whole) <= limit or not org:
        return (whole,)
    if _width(org) <= limit and _width(rest) <= limit:
        return (org, rest)
    return (whole,)


def build_document(report: Report, notice: str | None = None) -> Document:
    """The full report of ``report`` as a neutral document."""
    spec, values = report.spec, report.values
    forms = {f.section: f for f in spec.forms if f.section}
    sections = []
    for section in spec.sections:
        doc_section = DocSection(section.heading)
        if section.key in forms:
            doc_section.blocks.extend(_paragraphs(forms[section.key], values))
        for table in spec.tables:
            if table.section == section.key:
                doc_section.blocks.append(_table(table, values))
                for local in spec.tables:
                    if local.local and local.sheet == table.sheet:
                        extra = _local_table(local, values)
                        if extra is not None:
                            doc_section.blocks.append(extra)
        if section.key == "六":
            existing = [b for b in doc_section.blocks if isinstance(b, Paragraph)]
            fee = _fee_sentence(report, existing)
            if fee is not None:
                if [p.text for p in existing] == ["无"]:
                    doc_section.blocks = []
                doc_section.blocks.insert(0, fee)
        sections.append(doc_section)
    rest = f"{report.year}年政府信息公开工作年度报告"
    return Document(
        title=report.org + rest,
        opening=opening_paragraph(report),
        sections=sections,
        notice=notice,
        org=report.org,
        title_lines=title_lines(report.org, rest),
    )
