"""Lines of a published report → a filled report, with provenance for every cell read.

Orchestration: metadata (meta.py), sections and tables from the character stream (stream.py,
tables.py), local extension rows and narrative from the lines. What cannot be read is left
blank and listed, never filled with a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gidr_xl.addresses import parse_span
from gidr_xl.importer.labels import sections as label_sections
from gidr_xl.importer.meta import read_metadata
from gidr_xl.importer.sources import Line
from gidr_xl.importer.stream import Stream, find_sections
from gidr_xl.importer.tables import HOW_DIRECT, Reading, read_t2, read_t3, read_t4
from gidr_xl.model import CellId, FormatSpec, TableSpec
from gidr_xl.report import Report
from gidr_xl.spec.loader import format_for_year, load_format

_PUNCT = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", '"': "“", "．": "."})
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_UNITS = ("万元", "元", "件", "个", "宗", "项")
_MISSING = {"-", "—", "－", "/", "／", "无", "——"}
SECTION_KEYWORDS = {
    "一": ("总体情况",),
    "二": ("主动公开政府信息情况",),
    "三": ("收到和处理政府信息公开申请情况",),
    "四": ("行政复议、行政诉讼情况", "行政复议、提起行政诉讼情况", "行政复议和行政诉讼情况"),
    "五": ("存在的主要问题及改进情况", "存在的主要问题和改进情况"),
    "六": ("其他需要报告的事项",),
}


def norm(text: str) -> str:
    """Labels compared without spaces and with one kind of brackets, commas and quotes."""
    return "".join(text.split()).translate(_PUNCT).replace("”", "“")


@dataclass(frozen=True)
class Source:
    where: str
    how: str  # 直接读取 / 数字串拆分
    confidence: float


def _number(token: str) -> float | int | None:
    text = token.strip().replace(",", "").replace("，", "")
    for unit in _UNITS:
        text = text.removesuffix(unit)
    if not _NUMBER.match(text):
        return None
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def _heading_positions(lines: list[Line]) -> dict[str, int]:
    found: dict[str, int] = {}
    start = 0
    for key, words in SECTION_KEYWORDS.items():
        for i in range(start, len(lines)):
            line = lines[i]
            text = norm(line.text)
            if len(text) <= 40 and any(w in text for w in words) and not _is_sentence(text):
                found[key] = i
                start = i + 1
                break
    return found


def _is_sentence(text: str) -> bool:
    return text.endswith("。") or "，" in text


class _Tokens:
    """The tokens of a region: row cells, or the whole line when it is not a table row."""

    def __init__(self, lines: list[Line]) -> None:
        self.items: list[tuple[str, str]] = []
        for line in lines:
            for cell in line.cells or (line.text,):
                if cell.strip():
                    self.items.append((cell.strip(), line.where))


def _row_labels(table: TableSpec) -> dict[str, str]:
    """Normalised innermost label of each data row → row key."""
    labels: dict[str, str] = {}
    for key in table.row_keys:
        cell = next(c for c in table.inputs if c.id.keys[0] == key)
        _, row, _, _ = parse_span(cell.span)
        covering = [
            (parse_span(lab.span)[0], lab.text)
            for lab in table.labels
            if parse_span(lab.span)[1] <= row <= parse_span(lab.span)[3]
            and parse_span(lab.span)[0] <= max(table.label_cols, 1)
        ]
        if covering:
            labels[norm(max(covering)[1])] = key
    return labels


def _label_prefix(token: str, labels: dict[str, str]) -> tuple[str, str] | None:
    """(row key, remainder) when the token starts with a known row label."""
    text = norm(token)
    best = None
    for label, key in labels.items():
        if text.startswith(label) and (best is None or len(label) > len(best[0])):
            best = (label, key)
    if best is None:
        return None
    return best[1], _after(token, len(best[0]))


def _trailing_numbers(token: str) -> tuple[str, list[str]]:
    """``（一）省级平台采购   1   359600`` → (“（一）省级平台采购”, ["1", "359600"])."""
    parts = token.split()
    tail: list[str] = []
    while len(parts) > 1 and _number(parts[-1]) is not None:
        tail.insert(0, parts.pop())
    return " ".join(parts), tail


def _after(token: str, consumed: int) -> str:
    """The original text after the first ``consumed`` normalised characters (spaces kept)."""
    count = 0
    for i, ch in enumerate(token):
        if count == consumed:
            return token[i:].strip()
        if not ch.isspace():
            count += 1
    return ""


class _Parser:
    def __init__(self, spec: FormatSpec, lines: list[Line], sections: dict[str, int]) -> None:
        self.spec, self.lines, self.sections = spec, lines, sections
        self.values: dict[CellId, object] = {}
        self.provenance: dict[CellId, Source] = {}
        self.unread: list[str] = []
        self.ambiguities: list[str] = []

    def region(self, key: str) -> list[Line]:
        keys = list(SECTION_KEYWORDS)
        if key not in self.sections:
            return []
        start = self.sections[key] + 1
        later = [self.sections[k] for k in keys[keys.index(key) + 1 :] if k in self.sections]
        return self.lines[start : min(later) if later else len(self.lines)]

    def set(
        self, cell: CellId, value: object, where: str, how: str = "直接读取", confidence: float = 1.0
    ) -> None:
        self.values[cell] = value
        self.provenance[cell] = Source(where, how, confidence)

    # -- tables -----------------------------------------------------------------------------
    def rows(self, table: TableSpec, key: str) -> list[tuple[str, list[str], str]]:
        """(row key, the raw number strings that follow its label, where) in reading order."""
        labels = _row_labels(table)
        out: list[tuple[str, list[str], str]] = []
        current = None
        for token, where in _Tokens(self.region(key)).items:
            hit = _label_prefix(token, labels)
            if hit is not None:
                current = (hit[0], [hit[1]] if hit[1] else [], where)
                out.append(current)
            elif current is not None and (
                _number(token) is not None or token in _MISSING or re.fullmatch(r"[\d\s.]+", token)
            ):
                current[1].append(token)
            elif current is not None and _number(token) is None:
                current = None if len(current[1]) else current
        return out

    def read_t2_local(self) -> None:
        """Local extension rows after the last national table-二 row (e.g. 政府集中采购 items)."""
        table = self.spec.table("T2")
        labels = _row_labels(table)
        local = next((t for t in self.spec.tables if t.local and t.sheet == table.sheet), None)
        local_rows = list(local.row_keys) if local else []
        seen_last = False
        tokens = _Tokens(self.region("二")).items
        i = 0
        while i < len(tokens):
            token, where = tokens[i]
            hit = _label_prefix(token, labels)
            numbers: list[str] = []
            j = i + 1
            if hit is not None and hit[1]:
                numbers.extend(hit[1].split())
            while j < len(tokens) and (_number(tokens[j][0]) is not None or tokens[j][0] in _MISSING):
                numbers.extend(tokens[j][0].split())
                j += 1
            if hit is not None:
                seen_last = hit[0] == table.row_keys[-1]
            elif seen_last and local_rows and local is not None:
                text, trailing = _trailing_numbers(token)
                numbers = trailing + numbers
                if text and numbers:
                    row = local_rows.pop(0)
                    self.set(CellId(local.id, (row, local.col_keys[0])), text, where)
                    for col, part in zip(local.col_keys[1:], numbers, strict=False):
                        value = _number(part)
                        if value is not None:
                            self.set(CellId(local.id, (row, col)), value, where)
            i = j if j > i + 1 else i + 1

    # -- narrative --------------------------------------------------------------------------
    def read_paragraphs(self, stream: Stream, span: tuple[int, int] | None, form_id: str) -> None:
        form = self.spec.form(form_id)
        texts: list[tuple[str, str]] = []
        if span is not None:
            for index, a, b in stream.line_span(*span):
                line = stream.lines[index]
                if line.cells:
                    continue
                whole = (a, b) == stream.line_bounds(index)
                text = line.text if whole else stream.flat[a:b]
                if text.strip():
                    texts.append((text, stream.where(a)))
        if not texts:
            self.unread.append(f"{form.title}（没有找到正文）")
            return
        slots = form.paragraphs
        for n, (text, where) in enumerate(texts):
            cell = slots[min(n, len(slots) - 1)].id
            value = text if n < len(slots) else f"{self.values.get(cell, '')}\n{text}"
            self.set(cell, value, where)


def _fields_from_text(parser: _Parser) -> None:
    """Structured fields quoted in the narrative (the 2021 信息处理费 figures), read with the
    same patterns that cross-check them (``narrative_checks`` whose value is one field)."""
    spec = parser.spec
    for check in spec.narrative_checks:
        if check.kind != "number" or check.zero:
            continue
        try:
            target = CellId.parse(check.value)
        except ValueError:
            continue
        if target.table == "T2" or not spec.has_cell(target) or target in parser.provenance:
            continue
        pattern = re.compile(check.pattern)
        for form_id in check.forms:
            for cell in spec.form(form_id).paragraphs:
                text = parser.values.get(cell.id)
                match = pattern.search(text) if isinstance(text, str) else None
                if match and target not in parser.provenance:
                    source = parser.provenance[cell.id]
                    parser.set(target, _number(match.group("n")), source.where, "从正文中提取", 0.9)


@dataclass
class Imported:
    report: Report
    provenance: dict[CellId, Source] = field(default_factory=dict)
    unread: list[str] = field(default_factory=list)
    ambiguities: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # format / metadata remarks
    blank: list[CellId] = field(default_factory=list)  # cells blank in the published table
    no_consistent: list[str] = field(default_factory=list)  # proof of a published inconsistency
    t2_published: dict[str, list[str]] = field(default_factory=dict)
    t2_layout: str = ""
    tables_found: set[str] = field(default_factory=set)
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def completeness(self) -> float:
        wanted = [c for t in self.report.spec.tables if not t.local for c in t.inputs]
        return sum(c.id in self.provenance for c in wanted) / len(wanted)


def t3_layout(stream: Stream, lo: int, hi: int) -> str | None:
    """The format whose table 三 was published (the 2021 table splits （六） into three rows)."""
    if any(stream.occurrences(w, lo, hi, fuzzy=False) for w in ("收费通知要求缴纳费用", "逾期不补正")):
        return "gb2021"
    if stream.occurrences("其他处理", lo, hi, fuzzy=False):
        return "gb2019"
    return None


def parse_lines(
    lines: list[Line],
    year: int | None = None,
    org: str | None = None,
    source: str = "",
    header: dict[str, str] | None = None,
) -> Imported:
    """The report written in ``lines`` (``year`` / ``org`` override what the report says)."""
    header = dict(header or {})
    stream = Stream(lines)
    sections = find_sections(stream, label_sections())
    keys = list(label_sections())

    def span(key: str) -> tuple[int, int] | None:
        later = [sections[k].start for k in keys[keys.index(key) + 1 :] if k in sections]
        end = min(later) if later else len(stream.flat)
        if key in sections:
            return sections[key].body, end
        earlier = [sections[k].body for k in keys[: keys.index(key)] if k in sections]
        return (max(earlier) if earlier else 0), end

    head = " ".join(line.text for line in lines[:3])[:300]
    meta = read_metadata(header, head, "\n".join(line.text for line in lines))
    year = year or meta.year
    org = org or meta.org or None
    notes = list(meta.notes)
    found_layout = t3_layout(stream, *span("三"))
    spec = format_for_year(year) if year else load_format(found_layout or "gb2021")
    if found_layout and found_layout != spec.id:
        notes.append(
            f"按报告年度 {year} 应使用{spec.name}，但表三按{load_format(found_layout).name}填报；按实际表格读取"
        )
        spec = load_format(found_layout)
    missing = [k for k in SECTION_KEYWORDS if k not in sections]
    parser = _Parser(spec, lines, _heading_positions(lines))
    if missing:
        parser.unread.append(f"没有找到第{'、'.join(missing)}部分的标题")
    reading = Reading()
    read_t2(stream, spec, *span("二"), reading)
    if reading.t2_layout and reading.t2_layout != spec.id:
        notes.append(f"表二按{load_format(reading.t2_layout).name}的栏目填报（与表三的格式不同）")
    read_t3(stream, spec, *span("三"), reading)
    read_t4(stream, spec, *span("四"), reading)
    for cell, (where, how) in reading.where.items():
        confidence = 1.0 if how == HOW_DIRECT else 0.9
        parser.set(cell, reading.values[cell], where, how, confidence)
    parser.unread.extend(reading.unread)
    notes.extend(reading.notes)
    parser.ambiguities.extend(reading.ambiguities)
    parser.read_t2_local()
    for form in spec.forms:
        if form.paragraphs and form.section:
            parser.read_paragraphs(stream, span(form.section) if form.section in sections else None, form.id)
    _fields_from_text(parser)
    values = parser.values
    values[spec.roles.organ] = org
    values[spec.roles.year] = year
    blank = set(reading.blank)
    for table in spec.tables:
        if table.local:
            continue
        for cell in table.inputs:
            known = cell.id in parser.provenance or cell.id in blank
            if not known and (table.id, cell.id.keys[0]) not in reading.unresolved:
                parser.unread.append(f"{cell.ref}（{cell.label}：报告中没有找到）")
    report = Report(spec, {k: v for k, v in values.items() if v is not None}, source=source)
    return Imported(
        report,
        parser.provenance,
        parser.unread,
        parser.ambiguities,
        notes,
        reading.blank,
        reading.no_consistent,
        reading.t2_published,
        reading.t2_layout,
        reading.tables_found,
        header,
    )
