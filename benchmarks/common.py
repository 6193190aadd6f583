"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], repeat: int, warmup: int = 1) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs, after ``warmup`` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name: str, ours: float, baseline: float, baseline_name: str, target: str) -> None:
    print(f"{name}")
    print(f"  gidr-xl:   {ours * 1000:9.1f} ms (median)")
    print(f"  {baseline_name}: {baseline * 1000:9.1f} ms (median)")
    print(f"  ratio:     {baseline / ours:9.1f}×   target: {target}")
