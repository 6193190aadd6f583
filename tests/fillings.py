"""Random fillings of a format: valid ones, and faults planted into them (test helpers).

A valid filling is built from the spec's own groups: leaf cells of table 三 are random, its
totals follow from them, so every relation holds by construction, not by a stored answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from gidr_xl.model import CellId, CellType, FormatSpec


def _t3(row: str, col: str) -> CellId:
    return CellId("T3", (row, col))


def valid_filling(spec: FormatSpec, rng: random.Random, scale: int = 6) -> dict[CellId, object]:
    """Every input cell filled so that all rules hold."""
    values: dict[CellId, object] = {}
    for form in spec.forms:
        for cell in form.fields:
            values[cell.id] = _random_of_type(cell.type, rng, scale)
        for i, cell in enumerate(form.paragraphs[: rng.randint(1, 4)]):
            values[cell.id] = f"{form.title}示例段落{i + 1}：本年度共办理{rng.randint(0, 99)}件。"
    values[CellId("INFO", ("报告年度",))] = rng.randint(
        spec.first_year, spec.last_year or spec.first_year + 4
    )
    if spec.has_cell(CellId("N6", ("收费通知总金额",))):
        notified = round(rng.uniform(0, 900), 2)
        values[CellId("N6", ("收费通知总金额",))] = notified
        values[CellId("N6", ("实际收取总金额",))] = round(rng.uniform(0, notified), 2)
    for cell in spec.table("T2").inputs:
        values[cell.id] = _random_of_type(cell.type, rng, scale * 3)
    for row in spec.groups.get("表二文件", ()):
        if not spec.has_cell(CellId("T2", (row, "本年新公开数量"))):
            continue  # only the 2019 format has 对外公开总数量 ≥ 本年新公开数量
        new = values[CellId("T2", (row, "本年新公开数量"))]
        values[CellId("T2", (row, "对外公开总数量"))] = new + rng.randint(0, scale)  # type: ignore[operator]
    results = spec.groups["办理结果"]
    for col in spec.groups["C6"]:
        for row in results:
            values[_t3(row, col)] = rng.choice([0, 0, 0, rng.randint(0, scale), rng.randint(0, scale * 5)])
        handled = sum(values[_t3(r, col)] for r in results)  # type: ignore[misc]
        values[_t3("三.七", col)] = handled
        values[_t3("四", col)] = rng.randint(0, scale)
        carried = rng.randint(0, min(scale, handled + values[_t3("四", col)]))  # type: ignore[operator]
        values[_t3("二", col)] = carried
        values[_t3("一", col)] = handled + values[_t3("四", col)] - carried  # type: ignore[operator]
    for row in spec.groups["T3行"]:
        values[_t3(row, "总计")] = sum(values[_t3(row, c)] for c in spec.groups["C6"])  # type: ignore[misc]
    for group in spec.groups["T4组"]:
        parts = [rng.randint(0, scale) for _ in range(4)]
        for key, value in zip(("结果维持", "结果纠正", "其他结果", "尚未审结"), parts, strict=True):
            values[CellId("T4", (group, key))] = value
        values[CellId("T4", (group, "总计"))] = sum(parts)
    return values


def _random_of_type(ctype: CellType, rng: random.Random, scale: int) -> object:
    match ctype:
        case CellType.COUNT | CellType.YEAR:
            return rng.randint(0, scale)
        case CellType.SIGNED:
            return rng.randint(-scale, scale)
        case CellType.DECIMAL:
            return round(rng.uniform(0, 50), 4)
        case CellType.MONEY:
            return round(rng.uniform(0, 5000), 2)
    return f"文字{rng.randint(1, 999)}"


@dataclass(frozen=True)
class Fault:
    kind: str
    cell: CellId


FAULT_KINDS = ("off-by-one", "swapped-digits", "blank", "text", "negative", "decimal")


def plant_fault(
    spec: FormatSpec, values: dict[CellId, object], kind: str, rng: random.Random
) -> tuple[dict[CellId, object], Fault]:
    """A copy of ``values`` with one planted fault of ``kind`` in a numeric cell of table 三/四."""
    out = dict(values)
    leaves = [_t3(r, c) for r in spec.groups["办理结果"] for c in spec.groups["C6"]]
    numeric = [c.id for c in spec.inputs if c.id.table in ("T3", "T4")]
    if kind == "off-by-one":
        cell = rng.choice(leaves)
        out[cell] = out[cell] + 1 if out[cell] == 0 or rng.random() < 0.5 else out[cell] - 1  # type: ignore[operator]
    elif kind == "swapped-digits":
        cell = rng.choice(leaves)
        a, b = rng.sample(range(1, 10), 2)
        out[cell] = 10 * a + b  # make a two-digit value consistent first ...
        out = _rebalance(spec, out, cell)
        out[cell] = 10 * b + a  # ... then swap its digits
    else:
        cell = rng.choice(numeric)
        out[cell] = {
            "blank": None,
            # Not "12": the `formulas` engine treats numeric text as a number (Excel does not);
            # the LibreOffice agreement test covers numeric text instead.
            "text": rng.choice(["无", "—", "/", " ", "0件"]),
            "negative": -rng.randint(1, 9),
            "decimal": rng.choice([0.5, 2.25, 7.1]),
        }[kind]
    return out, Fault(kind, cell)


def _rebalance(spec: FormatSpec, values: dict[CellId, object], changed: CellId) -> dict[CellId, object]:
    """Recompute table 三 totals after a leaf changed, keeping every relation true."""
    row, col = changed.keys
    out = dict(values)

    def num(cell: CellId) -> int:  # earlier planted faults may have left text or blanks
        value = out.get(cell)
        return value if isinstance(value, int) else 0

    out[_t3("三.七", col)] = sum(num(_t3(r, col)) for r in spec.groups["办理结果"])
    out[_t3("一", col)] = num(_t3("三.七", col)) + num(_t3("四", col)) - num(_t3("二", col))
    for r in (row, "三.七", "一"):
        out[_t3(r, "总计")] = sum(num(_t3(r, c)) for c in spec.groups["C6"])
    return out
