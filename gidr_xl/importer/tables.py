"""Tables 二, 三 and 四 read from the stream: every label, every separator, the tables' arithmetic.

For each row the digits that follow its label are cut into the row's cells in every way the
separators allow. One reading → taken as published (even when it breaks a relation). Several
→ the table's own relations (row sums, the table-三 column relations, the table-四 group
totals) choose; a unique consistent reading is taken, several are reported as 有歧义 with the
candidates, none as unreadable. A cell is never filled by a guess.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from gidr_xl.addresses import parse_span
from gidr_xl.importer.digits import (
    group_splits,
    grouped_total_check,
    piece_unit,
    piece_value,
    row_total_check,
)
from gidr_xl.importer.labels import aliases, equivalent_column, same_row, t2_layout_markers
from gidr_xl.importer.stream import Found, Stream, best_chain
from gidr_xl.model import CellId, TableSpec
from gidr_xl.rules.python import compile_instance
from gidr_xl.spec.compiled import CompiledFormat
from gidr_xl.spec.loader import load_format

_ITEM = re.compile(r"^(\d{1,2}[.、])")
#: Units that fit a column type: counts accept measure words, amounts their currency unit.
_UNITS_FOR_TYPE = {
    "count": ("", "件", "个", "笔", "项", "宗"),
    "signed": ("", "件", "个", "笔", "项", "宗"),
    "money": ("", "元"),
    "decimal": ("", "万元"),
}
HOW_DIRECT = "直接读取"
HOW_SPLIT = "数字串拆分（唯一符合勾稽关系）"


@dataclass
class Reading:
    """What the tables gave: cells, where each came from, and everything not read."""

    values: dict[CellId, object] = field(default_factory=dict)
    where: dict[CellId, tuple[str, str]] = field(default_factory=dict)  # cell → (where, how)
    unread: list[str] = field(default_factory=list)
    ambiguities: list[str] = field(default_factory=list)
    blank: list[CellId] = field(default_factory=list)  # cells left blank in the published table
    no_consistent: list[str] = field(default_factory=list)  # tables no reading makes consistent
    t2_published: dict[str, list[str]] = field(default_factory=dict)  # row → cells as published
    t2_layout: str = ""
    tables_found: set[str] = field(default_factory=set)
    unresolved: set[tuple[str, str]] = field(default_factory=set)  # (table, row) reported above
    notes: list[str] = field(default_factory=list)  # read, but worth a look (units, layouts)

    def set(self, cell: CellId, value: object, where: str, how: str) -> None:
        self.values[cell] = value
        self.where[cell] = (where, how)


def row_labels(table: TableSpec) -> list[tuple[str, str]]:
    """(row key, innermost statutory label) in the table's row order."""
    out = []
    for key in table.row_keys:
        cell = next(c for c in table.inputs if c.id.keys[0] == key)
        _, row, _, _ = parse_span(cell.span)
        covering = []
        for lab in table.labels:
            c0, r0, _, r1 = parse_span(lab.span)
            if r0 <= row <= r1 and c0 <= max(table.label_cols, 1):
                covering.append((c0, lab.text))
        if covering:
            out.append((key, max(covering)[1]))
    return out


def _row_cols(table: TableSpec, key: str) -> list:
    return sorted((c for c in table.inputs if c.id.keys[0] == key), key=lambda c: parse_span(c.span)[0])


def _locate(stream: Stream, table: TableSpec, fmt: str, lo: int, hi: int) -> list[tuple[str, Found]]:
    """Each row label of ``table`` found in flat[lo:hi], in order, with its item number included."""
    labels = row_labels(table)
    candidates = []
    for key, label in labels:
        found: list[Found] = []
        for variant in (label, *aliases(fmt, table.id, key)):
            found.extend(stream.occurrences(variant, lo, hi))
        candidates.append(sorted(set(found), key=lambda f: (f.start, -f.end)))
    out = []
    for (key, label), hit in zip(labels, best_chain(candidates), strict=True):
        if hit is None:
            continue
        item = _ITEM.match(label)
        start = hit.start
        if item and stream.flat[start - len(item.group(1)) : start].replace("、", ".") == item.group(
            1
        ).replace("、", "."):
            start -= len(item.group(1))
        out.append((key, Found(start, hit.end, hit.score, hit.start)))
    return out


def _row_groups(
    stream: Stream, found: list[tuple[str, Found]], hi: int
) -> dict[str, tuple[list[str], str, bool]]:
    """Row → (digit groups, where, whether the last group is glued to the text after it)."""
    rows = {}
    for n, (key, hit) in enumerate(found):
        stop = found[n + 1][1].start if n + 1 < len(found) else hi
        groups = stream.digits_inside(hit.core, hit.end)  # a label wrapped around its digits
        after, end = stream.run_after(hit.end, stop)
        rows[key] = (groups + after, stream.where(hit.start), end not in stream.bounds)
    return rows


def _relations(spec: CompiledFormat, table_id: str):
    return [
        compile_instance(i)
        for i in spec.instances
        if i.guarded and i.cells and all(c.table == table_id for c in i.cells)
    ]


def read_t3(stream: Stream, spec: CompiledFormat, lo: int, hi: int, out: Reading) -> None:
    table = spec.table("T3")
    found = _locate(stream, table, spec.id, lo, hi)
    if not found:
        out.unread.append("表三：没有找到表格")
        return
    out.tables_found.add("T3")
    cols = list(table.col_keys)
    pending: dict[str, list[list[str]]] = {}
    rows = _row_groups(stream, found, hi)
    label_of = dict(row_labels(table))
    for key, (groups, where, glued) in rows.items():
        name = label_of[key]
        if not groups:
            out.blank.extend(CellId("T3", (key, c)) for c in cols)
            continue
        plain = group_splits(groups, len(cols), limit=2)
        if not plain and glued and len(groups) > len(cols):
            # one group too many, the last glued to the next label ("0三、本年度办理结果"): that
            # number belongs to the label, not to this row
            groups = groups[:-1]
            rows[key] = (groups, where, False)
            plain = group_splits(groups, len(cols), limit=2)
        if len(plain) == 1:
            for c, piece in zip(cols, plain[0], strict=True):
                out.set(CellId("T3", (key, c)), piece_value(piece), where, HOW_DIRECT)
            continue
        options = group_splits(groups, len(cols), _ints(row_total_check(len(cols))))
        if len(options) == 1:
            for c, piece in zip(cols, options[0], strict=True):
                out.set(CellId("T3", (key, c)), piece_value(piece), where, HOW_SPLIT)
        elif not options:
            text = " ".join(groups)
            out.unread.append(f"表三“{name}”行（{where}：“{text}”）无法拆成 {len(cols)} 个数，未导入")
            out.unresolved.add(("T3", key))
            if plain:
                out.no_consistent.append(f"表三“{name}”行的数字“{text}”无论怎样拆分，总计都不等于各列之和")
        else:
            pending[key] = options
    _resolve(spec, table, pending, rows, out)


def _ints(check):
    def wrapped(values: list[float]) -> bool:
        return all(float(v).is_integer() and v >= 0 for v in values) and check([int(v) for v in values])

    return wrapped


def _resolve(
    spec: CompiledFormat,
    table: TableSpec,
    pending: dict[str, list[list[str]]],
    rows: dict[str, tuple[list[str], str, bool]],
    out: Reading,
) -> None:
    """Rows with several row-sum readings: keep the combinations the column relations allow."""
    if not pending:
        return
    cols = list(table.col_keys)
    rules = _relations(spec, table.id)
    keys = list(pending)
    combos = []
    for choice in itertools.islice(itertools.product(*(pending[k] for k in keys)), 20000):
        values = dict(out.values)
        for k, pieces in zip(keys, choice, strict=True):
            values.update(
                {CellId(table.id, (k, c)): piece_value(p) for c, p in zip(cols, pieces, strict=True)}
            )
        if all(rule(values).passed is not False for rule in rules):
            combos.append(choice)
    label_of = dict(row_labels(table))
    for index, k in enumerate(keys):
        options = {tuple(c[index]) for c in combos}
        where = rows[k][1]
        if len(options) == 1:
            for c, piece in zip(cols, next(iter(options)), strict=True):
                out.set(CellId(table.id, (k, c)), piece_value(piece), where, HOW_SPLIT)
            continue
        out.unresolved.add((table.id, k))
        shown = "；".join(" ".join(o) for o in sorted(options or {tuple(p) for p in pending[k]})[:6])
        digits = " ".join(rows[k][0])
        if len(options) > 1:
            out.ambiguities.append(
                f"表三“{label_of[k]}”行（{where}：“{digits}”）符合勾稽关系的拆法不止一种：{shown}，未导入"
            )
        else:
            out.ambiguities.append(
                f"表三“{label_of[k]}”行（{where}：“{digits}”）可拆成：{shown}，"
                "但都与表内其他行的列关系不符，未导入"
            )


def _past_header_words(flat: str, pos: int, stop: int, table: TableSpec) -> int:
    """Where the data starts after the last 总计 of a header: a header whose words wrap over
    several lines (“尚未 / 审结”, as word-wrapped PDF and Word tables print it) leaves further
    header words after that 总计; skip characters of the table's own header labels and blanks."""
    words = {ch for label in table.labels for ch in label.text if not ch.isspace()}
    while pos < stop and (flat[pos].isspace() or flat[pos] in words):
        pos += 1
    return pos


def read_t4(stream: Stream, spec: CompiledFormat, lo: int, hi: int, out: Reading) -> None:
    table = spec.table("T4")
    cells = [c.id for c in sorted(table.inputs, key=lambda c: parse_span(c.span)[0])]
    header = stream.occurrences("总计", lo, hi, fuzzy=False)
    if not header:
        out.unread.append("表四：没有找到表格")
        return
    out.tables_found.add("T4")
    start = _past_header_words(stream.flat, header[-1].end, hi, table)
    groups, _ = stream.run_after(start, hi)
    where = stream.where(start)
    if not groups:
        out.blank.extend(cells)
        return
    plain = group_splits(groups, len(cells), limit=2)
    if len(plain) == 1:
        for cell, piece in zip(cells, plain[0], strict=True):
            out.set(cell, piece_value(piece), where, HOW_DIRECT)
        return
    options = group_splits(groups, len(cells), _ints(grouped_total_check(5)))
    text = " ".join(groups)
    if len(options) != 1:
        out.unresolved.update(("T4", k) for k in table.row_keys)
    if len(options) == 1:
        for cell, piece in zip(cells, options[0], strict=True):
            out.set(cell, piece_value(piece), where, HOW_SPLIT)
    elif not options:
        out.unread.append(f"表四（{where}：数字“{text}”）无法拆成符合勾稽关系的 {len(cells)} 个数，未导入")
        if plain:
            out.no_consistent.append(f"表四的数字“{text}”无论怎样拆分，都有一组的总计不等于各项之和")
    else:
        shown = "；".join(" ".join(o) for o in options[:4])
        out.ambiguities.append(
            f"表四（{where}：“{text}”）有 {len(options)} 种拆法都符合勾稽关系，例如：{shown}，未导入"
        )


def t2_layout(stream: Stream, lo: int, hi: int, default: str) -> str:
    """The format whose table-二 column headers the published table uses."""
    for fmt, markers in t2_layout_markers().items():
        if any(stream.occurrences(m, lo, hi, fuzzy=False) for m in markers):
            return fmt
    return default


def read_t2(stream: Stream, spec: CompiledFormat, lo: int, hi: int, out: Reading) -> None:
    layout_id = t2_layout(stream, lo, hi, spec.id)
    layout = spec if layout_id == spec.id else load_format(layout_id)
    out.t2_layout = layout_id
    table = layout.table("T2")
    anchor = stream.occurrences("第二十条", lo, hi, fuzzy=False)
    start = anchor[0].start if anchor else lo
    found = _locate(stream, table, layout.id, start, hi)
    if not found:
        out.unread.append("表二：没有找到表格")
        return
    out.tables_found.add("T2")
    rows = _row_groups(stream, found, hi)
    for key, (groups, where, _) in rows.items():
        cols = _row_cols(table, key)
        if not groups:
            out.blank.extend(c.id for c in cols)
            continue
        options = [
            o
            for o in group_splits(groups, len(cols))
            if all(_fits(piece, col.type.value) for piece, col in zip(o, cols, strict=True))
        ]
        text = " ".join(groups)
        if len(options) != 1:
            out.unresolved.add(("T2", key))
            if same_row(key):
                out.unresolved.add(("T2", same_row(key)))
        if len(options) == 1:
            out.t2_published[key] = options[0]
            _store_t2(spec, layout_id, key, cols, options[0], where, out)
        elif not options:
            out.unread.append(f"表二“{key}”行（{where}：“{text}”）无法拆成 {len(cols)} 个数，未导入")
        else:
            shown = "；".join(" ".join(o) for o in options[:6])
            out.ambiguities.append(
                f"表二“{key}”行（{where}：“{text}”）可拆成 {len(options)} 种：{shown}，表二没有勾稽关系可依，未导入"
            )


def _fits(piece: str, type_name: str) -> bool:
    value = piece_value(piece)
    if type_name == "count":
        return isinstance(value, int) and value >= 0
    if type_name == "signed":
        return isinstance(value, int)
    return value >= 0


def _store_t2(
    spec: CompiledFormat, layout_id: str, key: str, cols: list, pieces: list[str], where: str, out: Reading
) -> None:
    """Published cells → workbook cells (the number when its unit fits the column, else the text)."""
    target = spec.table("T2")
    row = key if key in target.row_keys else same_row(key)
    for col, piece in zip(cols, pieces, strict=True):
        name = col.id.keys[1]
        if layout_id != spec.id:
            name = equivalent_column(layout_id, spec.id, name)
        cell = CellId("T2", (row, name)) if row and name else None
        if cell is None or not spec.has_cell(cell):
            if layout_id != spec.id:
                if row:
                    out.unresolved.add(("T2", row))  # explained by the note, not "not found"
                out.notes.append(
                    f"表二“{key}”行“{col.id.keys[1]}”＝{piece}：原表按{load_format(layout_id).name}的栏目填报，本格式没有对应单元格"
                )
            continue
        kind = spec.cell(cell).type.value
        if piece_unit(piece) in _UNITS_FOR_TYPE.get(kind, ("",)):
            out.set(cell, piece_value(piece), where, HOW_DIRECT)
        else:
            out.set(cell, piece, where, "原文带单位，与本列单位不符，按原文文字导入")
            out.notes.append(
                f"{spec.cell(cell).ref}（{where}）原文为“{piece}”，单位与本列不符，按原文文字导入，请核对"
            )
