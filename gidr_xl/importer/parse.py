"""Lines of a published report → a filled report, with provenance for every cell read.

What cannot be read is left blank and listed as unread, never filled with a guess. Numbers
that ran together are split with the table's arithmetic; several consistent splits are
reported as ambiguous and left blank.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from gidr_xl.importer.digits import candidate_splits, grouped_total_check, row_total_check
from gidr_xl.importer.sources import Line
from gidr_xl.model import CellId, FormatSpec, TableSpec
from gidr_xl.report import Report
from gidr_xl.rules.catalog import instances
from gidr_xl.rules.python import compile_instance
from gidr_xl.spec.addresses import parse_span
from gidr_xl.spec.loader import format_for_year, load_format

_PUNCT = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", '"': "“", "．": "."})
_TITLE = re.compile(r"(.+?)(\d{4})年(?:度)?(?:的)?政府信息公开(?:工作)?(?:年度)?报告")
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


@dataclass
class Imported:
    report: Report
    provenance: dict[CellId, Source] = field(default_factory=dict)
    unread: list[str] = field(default_factory=list)
    ambiguities: list[str] = field(default_factory=list)

    @property
    def completeness(self) -> float:
        wanted = [c for t in self.report.spec.tables if not t.local for c in t.inputs]
        return sum(c.id in self.provenance for c in wanted) / len(wanted)


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


def detect_format(lines: list[Line], year: int | None) -> FormatSpec:
    text = norm(" ".join(line.text for line in lines))
    if "本年制发件数" in text or "逾期未按收费通知要求缴纳费用" in text:
        return load_format("gb2021")
    if "本年新制作数量" in text or "第二十条第（九）项" in text:
        return load_format("gb2019")
    return format_for_year(year or 2021)


def title_of(lines: list[Line]) -> tuple[str, int | None]:
    head = "".join(line.text for line in lines[:3])
    match = _TITLE.search("".join(head.split()))
    if not match:
        return "", None
    return match.group(1), int(match.group(2))


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

    def read_grid(self, table: TableSpec, key: str, check) -> None:
        cols = list(table.col_keys)
        pending: dict[str, list[list[int]]] = {}
        where_of: dict[str, str] = {}
        problems: dict[str, str] = {}
        for row_key, raw, where in self.rows(table, key):
            where_of[row_key] = where
            parts = " ".join(raw).split()
            if len(parts) == len(cols):
                for col, part in zip(cols, parts, strict=True):
                    value = _number(part)
                    cell = CellId(table.id, (row_key, col))
                    if value is None:
                        self.unread.append(f"{self.spec.cell(cell).ref}（{where}：“{part}”不是数字）")
                    else:
                        self.set(cell, value, where)
            elif parts and all(p.isdigit() for p in parts):
                pending[row_key] = candidate_splits("".join(parts), len(cols), check(len(cols)))
            else:
                problems[row_key] = (
                    f"{table.id}“{row_key}”行（{where}：找到 {len(parts)} 个数，应为 {len(cols)} 个）"
                )
        self._resolve(table, pending, where_of)
        self._by_row_order(table, key)
        for row_key, message in problems.items():
            if CellId(table.id, (row_key, cols[0])) not in self.provenance:
                self.unread.append(message)

    def _by_row_order(self, table: TableSpec, key: str) -> None:
        """Fallback for layouts that break labels over several lines (PDF text): when the region
        has exactly one run of numbers per data row, take them in the table's row order, and
        keep them only if the table's own rules then hold."""
        cols = list(table.col_keys)
        missing = [k for k in table.row_keys if CellId(table.id, (k, cols[0])) not in self.provenance]
        if not missing:
            return
        runs = []
        for line in self.region(key):
            parts = line.text.split()
            tail = []
            while parts and _number(parts[-1]) is not None:
                tail.insert(0, parts.pop())
            if len(tail) == len(cols):
                runs.append(([_number(t) for t in tail], line.where))
        if len(runs) != len(table.row_keys):
            return
        values = dict(self.values)
        for k, (numbers, _) in zip(table.row_keys, runs, strict=True):
            values.update({CellId(table.id, (k, c)): n for c, n in zip(cols, numbers, strict=True)})
        rules = [
            compile_instance(i)
            for i in instances(self.spec)
            if i.guarded and all(c.table == table.id for c in i.cells)
        ]
        if any(rule(values).passed is False for rule in rules):
            return
        for k, (numbers, where) in zip(table.row_keys, runs, strict=True):
            for c, n in zip(cols, numbers, strict=True):
                cell = CellId(table.id, (k, c))
                if cell not in self.provenance:
                    self.set(cell, n, where, "按表格行序读取（标签跨行）", 0.8)

    def _resolve(
        self, table: TableSpec, pending: dict[str, list[list[int]]], where_of: dict[str, str]
    ) -> None:
        """Choose, among the digit splits of each row, the combination that satisfies every rule."""
        if not pending:
            return
        cols = list(table.col_keys)
        rules = [
            (i, compile_instance(i))
            for i in instances(self.spec)
            if i.guarded and all(c.table == table.id for c in i.cells)
        ]
        keys = list(pending)
        combos = []
        for choice in itertools.islice(itertools.product(*(pending[k] for k in keys)), 20000):
            values = dict(self.values)
            for k, numbers in zip(keys, choice, strict=True):
                values.update({CellId(table.id, (k, c)): n for c, n in zip(cols, numbers, strict=True)})
            if all(check(values).passed is not False for _, check in rules):
                combos.append(choice)
        for index, k in enumerate(keys):
            options = {tuple(c[index]) for c in combos}
            if len(options) == 1:
                numbers = next(iter(options))
                how = "数字串拆分（唯一符合勾稽关系）"
                for c, n in zip(cols, numbers, strict=True):
                    self.set(CellId(table.id, (k, c)), n, where_of[k], how, 0.9)
            else:
                shown = "；".join(" ".join(map(str, o)) for o in sorted(options)[:5]) or "没有"
                self.ambiguities.append(
                    f"表“{table.id}”“{k}”行（{where_of[k]}）的数字连在一起，符合勾稽关系的拆法不止一种：{shown}，未导入"
                    if len(options) > 1
                    else f"表“{table.id}”“{k}”行（{where_of[k]}）的数字串无法拆成符合勾稽关系的数，未导入"
                )

    def read_t4(self) -> None:
        table = self.spec.table("T4")
        cells = [c.id for c in sorted(table.inputs, key=lambda c: parse_span(c.span)[0])]
        raw: list[tuple[str, str]] = []
        for token, where in _Tokens(self.region("四")).items:
            for part in token.split():
                if _number(part) is not None:
                    raw.append((part, where))
        if len(raw) == len(cells):
            for cell, (part, where) in zip(cells, raw, strict=True):
                self.set(cell, _number(part), where)
        elif raw and all(p.isdigit() for p, _ in raw):
            options = candidate_splits("".join(p for p, _ in raw), len(cells), grouped_total_check(5))
            if len(options) == 1:
                for cell, n in zip(cells, options[0], strict=True):
                    self.set(cell, n, raw[0][1], "数字串拆分（唯一符合勾稽关系）", 0.9)
            else:
                self.ambiguities.append(f"表四的数字连在一起，符合勾稽关系的拆法有 {len(options)} 种，未导入")
        else:
            self.unread.append(f"表四（找到 {len(raw)} 个数，应为 {len(cells)} 个）")

    def read_t2(self) -> None:
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
                cols = [c for c in table.inputs if c.id.keys[0] == hit[0]]
                if len(numbers) == len(cols):
                    for cell, part in zip(cols, numbers, strict=True):
                        value = _number(part)
                        if value is None:
                            self.unread.append(f"{cell.ref}（{where}：“{part}”不是数字）")
                        else:
                            self.set(cell.id, value, where)
                elif numbers:
                    self.unread.append(
                        f"表二“{hit[0]}”行（{where}：找到 {len(numbers)} 个数，应为 {len(cols)} 个）"
                    )
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
    def read_paragraphs(self, section: str, form_id: str) -> None:
        form = self.spec.form(form_id)
        lines = [line for line in self.region(section) if not line.cells]
        if not lines:
            self.unread.append(f"{form.title}（没有找到正文）")
            return
        slots = form.paragraphs
        for n, line in enumerate(lines):
            cell = slots[min(n, len(slots) - 1)].id
            text = line.text if n < len(slots) else f"{self.values.get(cell, '')}\n{line.text}"
            self.set(cell, text, line.where)


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


def parse_lines(
    lines: list[Line], year: int | None = None, org: str | None = None, source: str = ""
) -> Imported:
    """The report written in ``lines`` (``year`` / ``org`` override what the title says)."""
    title_org, title_year = title_of(lines)
    year = year or title_year
    spec = detect_format(lines, year)
    sections = _heading_positions(lines)
    parser = _Parser(spec, lines, sections)
    missing = [k for k in SECTION_KEYWORDS if k not in sections]
    if missing:
        parser.unread.append(f"没有找到第{'、'.join(missing)}部分的标题")
    parser.read_t2()
    parser.read_grid(spec.table("T3"), "三", row_total_check)
    parser.read_t4()
    for section, form_id in (("一", "N1"), ("五", "N5"), ("六", "N6")):
        parser.read_paragraphs(section, form_id)
    _fields_from_text(parser)
    values = parser.values
    values[CellId("INFO", ("机关名称",))] = org or title_org or None
    values[CellId("INFO", ("报告年度",))] = year
    for table in spec.tables:
        if table.local:
            continue
        for cell in table.inputs:
            if cell.id not in parser.provenance and not any(cell.ref in u for u in parser.unread):
                parser.unread.append(f"{cell.ref}（{cell.label}：报告中没有找到）")
    report = Report(spec, {k: v for k, v in values.items() if v is not None}, source=source)
    return Imported(report, parser.provenance, parser.unread, parser.ambiguities)
