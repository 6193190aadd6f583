"""`gidr audit` of the real corpus (shared/corpus/real): reports per second, median, slowest.

Baseline (same run) = validating the already-imported reports, i.e. what checking a filled-in
workbook costs; the ratio says how much reading a published report adds on top of that.
Target: the whole corpus in a few seconds on a staff PC, under 250 ms per report (median).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")

from gidr_xl.importer.audit import audit_one, report_files, write_csv, write_xlsx
from gidr_xl.validate.validator import validate

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"


def run() -> dict[str, float] | None:
    if not CORPUS.exists():
        print(f"audit benchmark skipped: {CORPUS} not found")
        return None
    files = report_files([CORPUS])
    audit_one(files[0])  # warm up: format specs, compiled rules
    import gidr_xl.validate.localize  # noqa: F401  (scipy loads once, on the first inconsistent report)

    per_file: dict[Path, float] = {}
    items = []
    start = time.perf_counter()
    for path in files:
        t0 = time.perf_counter()
        items.append(audit_one(path))
        per_file[path] = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        write_csv(items, Path(tmp) / "审核.csv")
        write_xlsx(items, Path(tmp) / "审核.xlsx")
    total = time.perf_counter() - start
    reports = [i.imported.report for i in items if i.imported is not None]
    t0 = time.perf_counter()
    for report in reports:
        validate(report)
    base = (time.perf_counter() - t0) / max(len(reports), 1)
    median = statistics.median(per_file.values())
    slowest = max(per_file, key=per_file.__getitem__)
    print("gidr audit of the real corpus (import + validate + verdict, then CSV and xlsx)")
    print(f"  files:     {len(files)} ({total:.2f} s in all, {len(files) / total:.1f} reports/s)")
    print(f"  median:    {median * 1000:9.1f} ms per report")
    print(f"  slowest:   {per_file[slowest] * 1000:9.1f} ms  {slowest.parent.name}/{slowest.name}")
    print(f"  validate only (baseline): {base * 1000:9.1f} ms per report")
    print(f"  ratio:     {median / base:9.1f}× the validation alone   target: median < 250 ms")
    return {"total": total, "median": median, "baseline": base}


if __name__ == "__main__":
    run()
