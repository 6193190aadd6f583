"""YAML format specs → :class:`~gidr_xl.model.FormatSpec` (the only module that reads spec YAML).

Every structural problem raises :class:`~gidr_xl.errors.SpecError` naming the file and entry.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from gidr_xl.addresses import make_span, parse_span, shift_span, top_left
from gidr_xl.errors import SpecError
from gidr_xl.model import (
    CellId,
    CellType,
    CheckPlacement,
    FormSpec,
    InputCell,
    LabelCell,
    NarrativeCheck,
    Roles,
    RuleSpec,
    Section,
    Severity,
    SimilarityCheck,
    TableSpec,
    TypeInfo,
)
from gidr_xl.resources import data_path, load_yaml
from gidr_xl.rules.parse import RuleSyntaxError, parse
from gidr_xl.spec.compiled import CompiledFormat

#: The format specs (data only), shipped inside the package.
FORMATS_DIR = data_path("formats")
#: Sheet row of the first table on a sheet (row 1: caption, row 2: unit note).
TABLE_TOP = 4
#: Rows between the end of one table and the start of the next on the same sheet.
TABLE_GAP = 5
#: Sheet row of the first field / paragraph of a form.
FORM_TOP = 4
FORMAT_ALIASES = {"2019": "gb2019", "2021": "gb2021"}


class _Where:
    """Tracks the position in the spec for error messages."""

    def __init__(self, path: Path, entry: str = "") -> None:
        self.path, self.entry = path, entry

    def at(self, entry: str) -> _Where:
        return _Where(self.path, f"{self.entry}.{entry}" if self.entry else entry)

    def fail(self, reason: str) -> SpecError:
        return SpecError(f"格式规范文件 {self.path.name} 的 {self.entry or '顶层'} 有误：{reason}")


def _need(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: _Where) -> Any:
    if key not in obj:
        raise where.fail(f"缺少字段“{key}”")
    value = obj[key]
    if not isinstance(value, kind):
        raise where.at(key).fail(f"类型应为 {kind}，实际为 {type(value).__name__}")
    return value


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"找不到格式规范文件 {path}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"格式规范文件 {path.name} 不是有效的 YAML：{exc}") from None
    if not isinstance(data, dict):
        raise SpecError(f"格式规范文件 {path.name} 的顶层应为映射（键: 值）")
    return data


def _merge(path: Path) -> tuple[dict[str, Any], list[tuple[Path, str, dict[str, Any]]]]:
    """Read a format file with its includes; list entries keep the file they came from."""
    data = _read_yaml(path)
    merged: dict[str, Any] = {k: v for k, v in data.items() if k != "include"}
    origins: list[tuple[Path, str, dict[str, Any]]] = []
    for name in data.get("include", []):
        inc = _read_yaml(path.parent / name)
        for key, value in inc.items():
            if isinstance(value, list):
                merged[key] = list(value) + list(merged.get(key, []))
            elif isinstance(value, dict):
                merged[key] = {**value, **merged.get(key, {})}
            else:
                merged.setdefault(key, value)
        for key in ("tables", "forms", "rules", "narrative_checks", "cross_year_rules"):
            for i, entry in enumerate(inc.get(key, [])):
                origins.append((path.parent / name, f"{key}[{i}]", entry))
        if "roles" in inc:
            origins.append((path.parent / name, "roles", inc["roles"]))
    for key in ("tables", "forms", "rules", "narrative_checks", "cross_year_rules"):
        for i, entry in enumerate(data.get(key, [])):
            origins.append((path, f"{key}[{i}]", entry))
    if "roles" in data:
        origins.append((path, "roles", data["roles"]))
    return merged, origins


def _where_of(
    origins: list[tuple[Path, str, dict[str, Any]]], entry: dict[str, Any], default: Path
) -> _Where:
    for path, name, obj in origins:
        if obj is entry:
            return _Where(path, f"{name}（{entry.get('id', '')}）")
    return _Where(default)


def _label_cells(raw: list[Any], shift: int, where: _Where) -> tuple[LabelCell, ...]:
    out = []
    for i, item in enumerate(raw):
        w = where.at(f"[{i}]")
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)):
            raise w.fail("标签应写成 [地址, 文字]")
        try:
            span = shift_span(item[0], shift)
        except ValueError:
            raise w.fail(f"地址“{item[0]}”无效") from None
        out.append(LabelCell(span, item[1]))
    return tuple(out)


def _cell_type(value: Any, where: _Where) -> CellType:
    try:
        return CellType(value)
    except ValueError:
        raise where.fail(
            f"未知的单元格类型“{value}”（可用 {', '.join(t.value for t in CellType)}）"
        ) from None


def _row_label(labels: tuple[LabelCell, ...], row: int, label_cols: int, fallback: str) -> str:
    """Human label of a data row: its innermost label, with the parent for numbered sub-items."""
    covering = []
    for lab in labels:
        c1, r1, _c2, r2 = parse_span(lab.span)
        if r1 <= row <= r2 and c1 <= label_cols:
            covering.append((c1, lab.text))
    covering.sort()
    if not covering:
        return fallback
    inner = covering[-1][1]
    if inner[:1].isdigit() and len(covering) >= 2:
        return f"{covering[-2][1]} {inner}"
    return inner


def _table(entry: dict[str, Any], where: _Where, origin_row: int, sections: set[str]) -> TableSpec:
    tid = _need(entry, "id", str, where)
    sheet = _need(entry, "sheet", str, where)
    size = _need(entry, "size", dict, where)
    try:
        _, _, n_cols, _ = parse_span(f"{size['cols']}1")
        n_rows = int(size["rows"])
    except (KeyError, ValueError, TypeError):
        raise where.at("size").fail("应写成 {cols: 列字母, rows: 行数}") from None
    section = entry.get("section")
    if section is not None and section not in sections:
        raise where.at("section").fail(f"未知的部分“{section}”")
    shift = origin_row - 1
    labels = _label_cols_checked(
        _label_cells(_need(entry, "labels", list, where), shift, where.at("labels")),
        n_cols,
        n_rows,
        shift,
        where,
    )
    check_labels = _label_cells(entry.get("check_labels", []), shift, where.at("check_labels"))
    label_cols = int(entry.get("label_cols", 0))
    inputs: list[InputCell] = []
    required = not entry.get("local", False)
    row_keys: dict[str, None] = {}
    row_labels: dict[str, str] = {}
    col_keys: dict[str, None] = {}
    for i, block in enumerate(_need(entry, "inputs", list, where)):
        w = where.at(f"inputs[{i}]")
        ctype = _cell_type(block.get("type"), w.at("type"))
        if "rows" in block:
            cells = [
                (rk, ck, f"{col}{int(r) + shift}")
                for rk, r in _need(block, "rows", dict, w).items()
                for ck, col in _need(block, "cols", dict, w).items()
            ]
        else:
            try:
                at = shift_span(_need(block, "at", str, w), shift)
            except ValueError:
                raise w.at("at").fail("地址无效") from None
            cells = [(_need(block, "row", str, w), _need(block, "col", str, w), at)]
        for rk, ck, span in cells:
            rk, ck = str(rk), str(ck)
            row_keys.setdefault(rk, None)
            col_keys.setdefault(ck, None)
            address = top_left(span)
            row_label = _row_label(labels, parse_span(address)[1], label_cols, rk)
            row_labels.setdefault(rk, row_label)
            inputs.append(
                InputCell(
                    id=CellId(tid, (rk, ck)),
                    sheet=sheet,
                    address=address,
                    span=span,
                    type=ctype,
                    required=required,
                    label=f"{row_label} / {ck}",
                )
            )
    _check_overlaps(labels, inputs, where)
    return TableSpec(
        id=tid,
        sheet=sheet,
        section=section,
        title=str(entry.get("title", "")),
        local=bool(entry.get("local", False)),
        origin_row=origin_row,
        n_rows=n_rows,
        n_cols=n_cols,
        header_rows=int(entry.get("header_rows", 0)),
        label_cols=label_cols,
        labels=labels,
        check_labels=check_labels,
        inputs=tuple(inputs),
        row_keys=tuple(row_keys),
        col_keys=tuple(col_keys),
        row_labels=row_labels,
        caption=_caption(entry, where),
    )


def _caption(entry: dict, where: _Where) -> str:
    """The reader-facing caption; a local block must have one (its title is workbook-only)."""
    caption = str(entry.get("caption", ""))
    if entry.get("local", False) and not caption:
        raise where.at("caption").fail("地方扩展行须写 caption（报告中显示的表题）")
    return caption


def _label_cols_checked(
    labels: tuple[LabelCell, ...], n_cols: int, n_rows: int, shift: int, where: _Where
) -> tuple[LabelCell, ...]:
    for lab in labels:
        _c1, r1, c2, r2 = parse_span(lab.span)
        if c2 > n_cols or r1 <= shift or r2 > shift + n_rows:
            raise where.at("labels").fail(f"标签“{lab.text}”的位置超出表格范围")
    return labels


def _check_overlaps(labels: tuple[LabelCell, ...], inputs: list[InputCell], where: _Where) -> None:
    taken: dict[tuple[int, int], str] = {}
    spans = [(lab.span, f"标签“{lab.text}”") for lab in labels]
    spans += [(cell.span, f"单元格 {cell.id}") for cell in inputs]
    for span, what in spans:
        c1, r1, c2, r2 = parse_span(span)
        for c in range(c1, c2 + 1):
            for r in range(r1, r2 + 1):
                if (c, r) in taken:
                    raise where.fail(f"{what}与{taken[(c, r)]}位置重叠（{make_span(c, r, c, r)}）")
                taken[(c, r)] = what


def _form(entry: dict[str, Any], where: _Where, sections: set[str]) -> FormSpec:
    fid = _need(entry, "id", str, where)
    sheet = _need(entry, "sheet", str, where)
    title = _need(entry, "title", str, where)
    section = entry.get("section")
    if section is not None and section not in sections:
        raise where.at("section").fail(f"未知的部分“{section}”")
    fields = []
    row = FORM_TOP
    for i, f in enumerate(entry.get("fields", [])):
        w = where.at(f"fields[{i}]")
        key = _need(f, "key", str, w)
        fields.append(
            InputCell(
                id=CellId(fid, (key,)),
                sheet=sheet,
                address=f"B{row}",
                span=f"B{row}",
                type=_cell_type(f.get("type"), w.at("type")),
                required=bool(f.get("required", False)),
                label=str(f.get("label", key)),
                hint=str(f.get("note", "")),
            )
        )
        row += 1
    if fields:
        row += 2  # a blank row and the paragraphs' header row
    paragraphs = tuple(
        InputCell(
            id=CellId(fid, (f"第{n}段",)),
            sheet=sheet,
            address=f"B{row + n - 1}",
            span=f"B{row + n - 1}",
            type=CellType.TEXT,
            required=False,
            label=f"{title} 第{n}段",
        )
        for n in range(1, int(entry.get("paragraphs", 0)) + 1)
    )
    return FormSpec(
        id=fid,
        sheet=sheet,
        section=section,
        title=title,
        note=str(entry.get("note", "")),
        fields=tuple(fields),
        paragraphs=paragraphs,
    )


_PARAGRAPHS_DOMAIN = re.compile(r"^paragraphs\((\w+)\)$")


#: Document key that stands for the format's own notice (its ``name``), e.g. 国办公开办函〔2021〕30号.
OWN_FORMAT = "格式"


def _basis(entry: dict[str, Any], where: _Where, documents: dict[str, str]) -> str:
    """Render a rule's ``basis`` (citations ``{doc, at}`` and notes ``{note}``) as Chinese text."""
    raw = entry.get("basis")
    items = [raw] if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise where.fail("缺少字段“basis”（规则的依据：{doc: 文件, at: 条款} 或 {note: 说明}）")
    parts = []
    for i, item in enumerate(items):
        w = where.at(f"basis[{i}]")
        if isinstance(item, dict) and set(item) == {"note"}:
            parts.append(str(item["note"]))
            continue
        if not isinstance(item, dict) or "doc" not in item or not set(item) <= {"doc", "at"}:
            raise w.fail("应写成 {doc: 文件, at: 条款} 或 {note: 说明}")
        if item["doc"] not in documents:
            raise w.at("doc").fail(f"未知的文件“{item['doc']}”（可用 {'、'.join(documents)}）")
        title, at = documents[item["doc"]], str(item.get("at", ""))
        tight = not at or title.endswith("》") or at.startswith(("“", "（"))
        parts.append(f"{title}{'' if tight else ' '}{at}")
    return "；".join(parts)


def _rule(entry: dict[str, Any], where: _Where, documents: dict[str, str]) -> RuleSpec:
    rid = _need(entry, "id", str, where)
    try:
        severity = Severity(entry.get("severity"))
    except ValueError:
        raise where.at("severity").fail("应为 error 或 warning") from None
    expr = _need(entry, "expr", str, where)
    try:
        parse(expr)
    except RuleSyntaxError as exc:
        raise where.at("expr").fail(str(exc)) from None
    check = None
    if "check" in entry:
        raw = entry["check"]
        m = (
            re.fullmatch(r"after\+(\d+)", str(next(iter(raw.values()), "")))
            if isinstance(raw, dict)
            else None
        )
        if not m or len(raw) != 1 or next(iter(raw)) not in ("row", "col"):
            raise where.at("check").fail("应写成 {row: after+N} 或 {col: after+N}")
        check = CheckPlacement(next(iter(raw)), int(m.group(1)))
    message = _need(entry, "message", str, where)
    allowed = {"lhs", "rhs", "value", "cell", *(str(k) for k in dict(entry.get("for", {})))}
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(message) if name is not None}
    except ValueError as exc:
        raise where.at("message").fail(f"占位符写法有误：{exc}") from None
    if used - allowed:
        raise where.at("message").fail(f"未知的占位符 {', '.join(sorted(used - allowed))}")
    examples = entry.get("counterexample", [])
    examples = [examples] if isinstance(examples, dict) else examples
    return RuleSpec(
        id=rid,
        severity=severity,
        title=_need(entry, "title", str, where),
        expr=expr,
        message=message,
        basis=_basis(entry, where, documents),
        loops=tuple((str(k), str(v)) for k, v in dict(entry.get("for", {})).items()),
        anchor=entry.get("anchor"),
        check=check,
        tolerance=float(entry.get("tolerance", 0)),
        counterexamples=tuple(dict(e) for e in examples),
        source=f"{where.path.name} 的 {where.entry}",
    )


def _narrative_check(
    entry: dict[str, Any], where: _Where, spec_cells: set[CellId], forms: set[str]
) -> NarrativeCheck:
    kind = str(entry.get("kind", "number"))
    check_forms = tuple(str(f) for f in _need(entry, "forms", list, where))
    unknown = [f for f in check_forms if f not in forms]
    if unknown:
        raise where.at("forms").fail(f"未知的表单 {', '.join(unknown)}")
    pattern, value = str(entry.get("pattern", "")), str(entry.get("value", ""))
    if kind == "number":
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise where.at("pattern").fail(f"正则表达式有误：{exc}") from None
        if "n" not in compiled.groupindex and not entry.get("zero"):
            raise where.at("pattern").fail("应有命名分组 (?P<n>…)，或写明 zero: true")
        if not value:
            raise where.fail("缺少字段“value”（表格中对应的数值）")
    elif kind != "year":
        raise where.at("kind").fail("应为 number 或 year")
    try:
        severity = Severity(entry.get("severity"))
    except ValueError:
        raise where.at("severity").fail("应为 error 或 warning") from None
    return NarrativeCheck(
        id=_need(entry, "id", str, where),
        severity=severity,
        kind=kind,
        forms=check_forms,
        pattern=pattern,
        zero=bool(entry.get("zero", False)),
        value=value,
        title=_need(entry, "title", str, where),
        message=_need(entry, "message", str, where),
        source=f"{where.path.name} 的 {where.entry}",
    )


def _canonical_hash(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_CONTACT_ROLES = ("department", "address", "postcode", "phone", "site")
_FEE_ROLES = 3


def _roles(raw: Any, where: _Where, known: set[CellId], forms: set[str]) -> Roles:
    """The ``roles`` mapping: every cell parsed and present in the format."""
    if not isinstance(raw, dict):
        raise where.fail("缺少字段“roles”（机关名称、报告年度等单元格的用途）")

    def cell(text: object, at: str) -> CellId:
        try:
            cell_id = CellId.parse(str(text))
        except ValueError:
            raise where.at(at).fail(f"“{text}”不是单元格写法，应如 INFO[机关名称]") from None
        if cell_id not in known:
            raise where.at(at).fail(f"格式中没有单元格“{text}”")
        return cell_id

    contact = raw.get("contact", {})
    if not isinstance(contact, dict) or set(contact) - set(_CONTACT_ROLES):
        raise where.at("contact").fail(f"应为映射，键为 {'、'.join(_CONTACT_ROLES)} 之一")
    fees = raw.get("fees", [])
    if not isinstance(fees, list) or len(fees) not in (0, _FEE_ROLES):
        raise where.at("fees").fail("应为三个单元格：收费通知件数、收费通知总金额、实际收取总金额")
    opening = str(raw.get("opening", ""))
    if opening not in forms:
        raise where.at("opening").fail(f"未知的表单“{opening}”")
    return Roles(
        organ=cell(raw.get("organ"), "organ"),
        year=cell(raw.get("year"), "year"),
        opening=opening,
        contact={k: cell(v, f"contact.{k}") for k, v in contact.items()},
        fees=tuple(cell(v, f"fees[{i}]") for i, v in enumerate(fees)),
    )


def load_path(path: Path, prior_cells: Callable[[CellId], bool] | None = None) -> CompiledFormat:
    """Load, validate and compile one format file (with its includes). ``prior_cells`` says
    which cells a ``上年…`` reference may name (default: this format's own)."""
    data, origins = _merge(path)
    top = _Where(path)
    fid = _need(data, "id", str, top)
    years = _need(data, "report_years", dict, top)
    sections = tuple(Section(str(s["key"]), str(s["heading"])) for s in _need(data, "sections", list, top))
    section_keys = {s.key for s in sections}
    cell_types = {
        _cell_type(k, top.at("cell_types")): TypeInfo(str(v["title"]), str(v["prompt"]))
        for k, v in _need(data, "cell_types", dict, top).items()
    }
    forms = tuple(
        _form(e, _where_of(origins, e, path), section_keys) for e in _need(data, "forms", list, top)
    )
    order = {s.key: i for i, s in enumerate(sections)}
    raw_tables = sorted(_need(data, "tables", list, top), key=lambda e: order.get(e.get("section"), 99))
    tables = []
    next_row: dict[str, int] = {}
    for entry in raw_tables:
        where = _where_of(origins, entry, path)
        sheet = _need(entry, "sheet", str, where)
        table = _table(entry, where, next_row.get(sheet, TABLE_TOP), section_keys)
        next_row[sheet] = table.last_row + TABLE_GAP
        tables.append(table)
    ids = [p.id for p in (*forms, *tables)]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise top.fail(f"表格或表单编号重复：{'、'.join(sorted(dupes))}")
    inputs = tuple(c for part in (*forms, *tables) for c in part.inputs)
    known = {c.id for c in inputs}
    groups: dict[str, tuple[str, ...]] = {}
    for name, value in dict(data.get("groups", {})).items():
        m = _PARAGRAPHS_DOMAIN.match(str(value)) if isinstance(value, str) else None
        if m:
            form = next((f for f in forms if f.id == m.group(1)), None)
            if form is None:
                raise top.at(f"groups.{name}").fail(f"未知的表单“{m.group(1)}”")
            groups[name] = tuple(p.id.keys[0] for p in form.paragraphs)
        elif isinstance(value, list):
            groups[name] = tuple(str(v) for v in value)
        else:
            raise top.at(f"groups.{name}").fail("应为列表或 paragraphs(表单)")
    name = _need(data, "name", str, top)
    documents = {OWN_FORMAT: name, **{str(k): str(v) for k, v in dict(data.get("documents", {})).items()}}
    rules = tuple(_rule(e, _where_of(origins, e, path), documents) for e in _need(data, "rules", list, top))
    rule_ids = [r.id for r in rules]
    if len(set(rule_ids)) != len(rule_ids):
        raise top.fail("规则编号重复")
    narrative = tuple(
        _narrative_check(e, _where_of(origins, e, path), known, {f.id for f in forms})
        for e in data.get("narrative_checks", [])
    )
    cross_year, similarity = [], []
    for entry in data.get("cross_year_rules", []):
        where = _where_of(origins, entry, path)
        if entry.get("kind") == "similarity":
            similarity.append(
                SimilarityCheck(
                    id=_need(entry, "id", str, where),
                    severity=Severity(entry.get("severity")),
                    forms=tuple(_need(entry, "forms", list, where)),
                    threshold=float(_need(entry, "threshold", (int, float), where)),
                    title=_need(entry, "title", str, where),
                    message=_need(entry, "message", str, where),
                    basis=_basis(entry, where, documents),
                )
            )
        else:
            cross_year.append(_rule(entry, where, documents))
    # roles merge over the included files: an error names every file that declares some
    declaring = [file.name for file, entry, _ in origins if entry == "roles"]
    roles_where = _Where(Path("、".join(declaring) or path.name), "roles")
    roles = _roles(data.get("roles"), roles_where, known, {f.id for f in forms})
    compiled = CompiledFormat(
        id=fid,
        name=name,
        title=_need(data, "title", str, top),
        first_year=int(years["first"]),
        last_year=int(years["last"]) if years.get("last") is not None else None,
        sections=sections,
        cell_types=cell_types,
        tables=tuple(tables),
        forms=forms,
        groups=groups,
        rules=rules,
        narrative_checks=narrative,
        cross_year_rules=tuple(cross_year),
        similarity_checks=tuple(similarity),
        roles=roles,
        sha256=_canonical_hash(data),
    )
    # the expansions are the validation: kept, never repeated
    compiled.instances  # noqa: B018
    compiled.narrative_targets  # noqa: B018
    compiled.check_cross_year(prior_cells or compiled.has_cell)
    return compiled


def available_formats() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in FORMATS_DIR.glob("gb*.yaml")))


def load_format(name: str) -> CompiledFormat:
    """A built-in format by id (``gb2021``) or year alias (``2021``): compiled once per process."""
    fid = FORMAT_ALIASES.get(str(name), str(name))
    formats = _built_in_formats()
    if fid not in formats:
        raise SpecError(
            f"未知的格式版本“{name}”。可用：2019（国办公开办函〔2019〕60号）、2021（国办公开办函〔2021〕30号）"
        )
    return formats[fid]


@lru_cache(maxsize=1)
def _built_in_formats() -> dict[str, CompiledFormat]:
    """Every built-in format, compiled; cross-year rules checked against the cells of all of
    them (last year's report may be of any format)."""
    formats = {fid: load_path(FORMATS_DIR / f"{fid}.yaml", lambda _: True) for fid in available_formats()}
    cells = frozenset(c.id for f in formats.values() for c in f.inputs)
    for compiled in formats.values():
        compiled.check_cross_year(cells.__contains__)
    return formats


def format_for_year(year: int) -> CompiledFormat:
    """The statutory format that applies to reports on ``year``."""
    for fid in available_formats():
        spec = load_format(fid)
        if spec.covers_year(year):
            return spec
    raise SpecError(f"{year} 年没有适用的年报格式（支持 2019 年及以后）")
