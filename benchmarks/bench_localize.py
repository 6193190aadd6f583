"""Error localisation (Fellegi–Holt, SciPy milp) on the worst case constructed, vs one fault.

Worst case: a 2021 report with large figures and five wrong cells spread over table 三 and
table 四, so that the minimal correction has several cells and ties must be enumerated.
Baseline (same run): the same report with a single wrong cell. Target: under 1 s per workbook.
"""

from __future__ import annotations

import random

from benchmarks.common import median_seconds
from gidr_xl.model import CellId
from gidr_xl.report import Report
from gidr_xl.spec.loader import load_format
from gidr_xl.validate.localize import localize
from tests.fillings import valid_filling


def run() -> tuple[float, float]:
    spec = load_format("2021")
    rng = random.Random(5)
    values = valid_filling(spec, rng, scale=400)
    one = dict(values)
    one[CellId("T3", ("三.二", "自然人"))] = values[CellId("T3", ("三.二", "自然人"))] + 7  # type: ignore[operator]
    worst = dict(values)
    for key in (
        ("三.二", "自然人"),
        ("三.五.3", "其他"),
        ("一", "商业企业"),
        ("四", "总计"),
        ("三.七", "科研机构"),
    ):
        worst[CellId("T3", key)] = values[CellId("T3", key)] * 10 + 3  # type: ignore[operator]
    worst[CellId("T4", ("复议后起诉", "尚未审结"))] = 77
    single = Report(spec, one)
    hard = Report(spec, worst)
    localize(single)  # warm-up: SciPy import, rule expansion
    base = median_seconds(lambda: localize(single), repeat=7)
    ours = median_seconds(lambda: localize(hard), repeat=7)
    result = localize(hard)
    changes = len(result.fixes[0].changes) if result and result.fixes else 0
    print(
        f"worst case: {changes} cells in the minimal fix, {len(result.fixes) if result else 0} candidate fix(es)"
    )
    print("localisation (Fellegi–Holt via SciPy milp)")
    print(f"  single wrong cell: {base * 1000:9.1f} ms (median, baseline)")
    print(f"  worst case:        {ours * 1000:9.1f} ms (median)")
    print(f"  ratio worst/single: {ours / base:8.1f}×   target: worst case < 1000 ms")
    return ours, base


if __name__ == "__main__":
    run()
