"""Long fuzz run of the hostile-input handling (issue #13): thousands of seeded mutations.

    python -m benchmarks.fuzz --n 5000 --seed 7 [--side 0.1] [--timeout 20] [--out build/fuzz]

The same mutations and checks as ``tests/test_hostile.py`` (tests/hostile.py), but every
mutation runs in a forked child that is killed at ``--timeout`` (so a hang is reported, not
suffered) under an address-space limit. Failing inputs are kept in ``OUT/failures/`` with what
went wrong; ``OUT/summary.json`` has the counts. Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")

from tests.hostile import Mutation, check, mutation
from tests.test_hostile import make_bases

CLASSES = ("hang", "exception", "exit3", "invalid-json", "wrong-exit", "slow")


def classify(problem: str) -> str:
    """The class of one problem line produced by :func:`tests.hostile.check`."""
    if problem.startswith("hang"):
        return "hang"
    if ": exception " in problem:
        return "exception"
    if ": exit 3" in problem:
        return "exit3"
    if "not strict JSON" in problem:
        return "invalid-json"
    if " took " in problem:
        return "slow"
    return "wrong-exit"


def _child(m: Mutation, work: Path, side: bool, budget: float, mem: int, conn) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    try:
        conn.send(check(m, work, side, budget))
    except BaseException as exc:  # reported, never raised in the child
        conn.send([f"exception in the harness child: {type(exc).__name__}: {exc}"])
    finally:
        conn.close()


def run_one(m: Mutation, work: Path, side: bool, timeout: float, mem: int) -> list[str]:
    """Problems of one mutation, run in a forked child killed after ``timeout`` seconds."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(m, work, side, timeout / 2, mem, child))
    proc.start()
    child.close()
    problems: list[str] | None = None
    if parent.poll(timeout):
        try:
            problems = parent.recv()
        except EOFError:
            problems = None
    proc.join(1)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return [f"hang: {m.family}/{m.label} on {m.base.name}: no result after {timeout} s"]
    if problems is None:
        return [f"exception: {m.family}/{m.label} on {m.base.name}: child died (exit {proc.exitcode})"]
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=5000, help="number of mutations")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--side", type=float, default=0.1, help="fraction also run with --annotate and build")
    ap.add_argument(
        "--timeout", type=float, default=20.0, help="seconds per mutation before it counts as a hang"
    )
    ap.add_argument("--mem", type=int, default=4_000_000_000, help="address-space limit per child (bytes)")
    ap.add_argument("--out", default="build/fuzz", help="folder for failures and summary.json")
    args = ap.parse_args(argv)

    out = Path(args.out)
    (out / "failures").mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="gidr-fuzz-"))
    bases = make_bases(work)
    counts: Counter[str] = Counter()
    per_family: Counter[str] = Counter()
    failed_files = 0
    start = time.monotonic()
    side_every = max(1, round(1 / args.side)) if args.side > 0 else 0
    for i in range(args.n):
        m = mutation(args.seed, i, bases)
        problems = run_one(m, work, bool(side_every) and i % side_every == 0, args.timeout, args.mem)
        if problems:
            failed_files += 1
            per_family[m.family] += 1
            for p in problems:
                counts[classify(p)] += 1
            (out / "failures" / f"m{i:05d}.xlsx").write_bytes(m.data)
            (out / "failures" / f"m{i:05d}.txt").write_text("\n".join(problems) + "\n", encoding="utf-8")
            print(f"[{i}] " + "\n    ".join(problems), flush=True)
        if (i + 1) % 250 == 0:
            print(
                f"fuzz: {i + 1}/{args.n} in {time.monotonic() - start:.0f} s, {failed_files} failing",
                flush=True,
            )
    summary = {
        "n": args.n,
        "seed": args.seed,
        "seconds": round(time.monotonic() - start, 1),
        "failing_files": failed_files,
        "problems": {c: counts[c] for c in CLASSES},
        "failing_files_per_family": dict(per_family),
    }
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    print(
        f"fuzz: {args.n} mutations (seed {args.seed}) in {summary['seconds']} s: "
        + ", ".join(f"{c} {counts[c]}" for c in CLASSES)
    )
    return 1 if failed_files else 0


if __name__ == "__main__":
    sys.exit(main())
