"""Which cell is probably wrong: Fellegi–Holt minimal change over the linear rules.

The failing table relations (T3-1, T3-2, T3-3, T4-1 … every guarded ``a == b`` rule whose
sides are sums of cells) form a system of linear equations. The smallest set of input cells
whose change makes every equation hold is found with SciPy's mixed-integer solver (HiGHS);
further solutions of the same size are enumerated with no-good cuts, so an ambiguous case is
reported as such. Proposed changes that look like typing slips (two digits swapped, a digit
doubled or dropped) are named and ranked first.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# one BLAS thread: the problems are tiny, and each thread reserves address space (a process
# under a memory limit could not load SciPy otherwise)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from gidr_xl.model import CellId, CellType, Position
from gidr_xl.report import Report
from gidr_xl.values import display, is_number

MAX_SOLUTIONS = 6
_TIME_LIMIT = 0.5  # seconds per solve; the whole localisation stays well under 1 s


@dataclass(frozen=True)
class Change:
    cell: CellId
    position: Position
    old: float
    new: float
    slip: str = ""  # e.g. "两位数字颠倒"

    @property
    def ref(self) -> str:
        return self.position.ref

    def describe(self) -> str:
        text = f"{self.ref} 可能应为 {display(self.new)}（当前为 {display(self.old)}）"
        return f"{text}，疑似{self.slip}" if self.slip else text


@dataclass(frozen=True)
class Fix:
    changes: tuple[Change, ...]

    @property
    def slips(self) -> int:
        return sum(bool(c.slip) for c in self.changes)

    @property
    def ref(self) -> str:
        return self.position.ref

    def describe(self) -> str:
        return "；".join(c.describe() for c in self.changes)


@dataclass
class Localisation:
    """``fixes`` ranked best first; ``ambiguous`` when several minimal fixes exist."""

    fixes: list[Fix] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return len(self.fixes) > 1

    def describe(self) -> list[str]:
        if not self.fixes:
            return []
        if not self.ambiguous:
            return [f"错误定位：{self.fixes[0].describe()}。"]
        lines = [f"错误定位：有 {len(self.fixes)} 种同样小的改法，无法唯一确定，请逐一核对："]
        lines += [f"  {i}. {fix.describe()}" for i, fix in enumerate(self.fixes, 1)]
        return lines

    def to_dict(self) -> dict[str, object]:
        return {
            "ambiguous": self.ambiguous,
            "fixes": [
                [
                    {"cell": c.ref, "id": str(c.cell), "current": c.old, "proposed": c.new, "slip": c.slip}
                    for c in f.changes
                ]
                for f in self.fixes
            ],
        }


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS occasionally prints diagnostics straight to file descriptor 1, which would corrupt
    ``--json`` output: silence that descriptor while the solver runs."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def typing_slip(old: float, new: float) -> str:
    """Name the typing slip that turns ``new`` into ``old``, or ''."""
    if not (float(old).is_integer() and float(new).is_integer()) or old < 0 or new < 0:
        return ""
    a, b = str(int(old)), str(int(new))
    if len(a) == len(b) and a != b:
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        ):
            return "两位数字颠倒"
    if len(a) == len(b) + 1 and any(a[:i] + a[i + 1 :] == b and a[i] == a[i - 1] for i in range(1, len(a))):
        return "多输入了一位重复数字"
    if len(a) == len(b) + 1 and any(a[:i] + a[i + 1 :] == b for i in range(len(a))):
        return "多输入了一位数字"
    if len(a) + 1 == len(b) and any(b[:i] + b[i + 1 :] == a for i in range(len(b))):
        return "漏输入了一位数字"
    return ""


def localize(report: Report) -> Localisation | None:
    """Minimal changes that make every linear rule hold; None when all hold or a cell is not a number."""
    spec, values = report.spec, report.values
    equations = spec.linear_equations
    cells = sorted({c for coef, _ in equations for c in coef})
    if not all(is_number(values.get(c)) for c in cells):
        return None  # blanks and text are findings of their own; fix those first
    current = np.array([float(values[c]) for c in cells])  # type: ignore[arg-type]
    index = {c: i for i, c in enumerate(cells)}
    matrix = np.zeros((len(equations), len(cells)))
    rhs = np.zeros(len(equations))
    for row, (coef, const) in enumerate(equations):
        for c, v in coef.items():
            matrix[row, index[c]] = v
        rhs[row] = const
    failing = int(np.sum(np.abs(matrix @ current - rhs) > 1e-9))
    if failing == 0:
        return None
    n = len(cells)
    # A tight big-M keeps the LP relaxation strong (the solver then proves optimality fast): no
    # correction needs to move a cell by more than twice the largest figure in the tables.
    big = 2 * float(np.max(np.abs(current), initial=0)) + 2 * float(np.max(np.abs(rhs), initial=0)) + 10
    # variables: x (new values, n) then d (changed? 0/1, n); minimise the number of changes
    cost = np.concatenate([np.zeros(n), np.ones(n)])
    lower = np.concatenate(
        [np.where([spec.cell(c).type is CellType.SIGNED for c in cells], -big, 0.0), np.zeros(n)]
    )
    upper = np.concatenate([np.full(n, big), np.ones(n)])
    eye = np.eye(n)
    constraints = [
        LinearConstraint(np.hstack([matrix, np.zeros((len(equations), n))]), rhs, rhs),
        LinearConstraint(np.hstack([eye, -big * eye]), -np.inf, current),  # x - v ≤ M d
        LinearConstraint(np.hstack([eye, big * eye]), current, np.inf),  # x - v ≥ -M d
    ]
    # new values are continuous: with ±1 coefficients a minimal correction is integral anyway
    integrality = np.concatenate([np.zeros(n), np.ones(n)])
    fixes: list[Fix] = []
    best = None
    while len(fixes) < MAX_SOLUTIONS:
        with _quiet_stdout():
            res = milp(
                cost,
                constraints=constraints,
                integrality=integrality,
                bounds=Bounds(lower, upper),
                options={"time_limit": _TIME_LIMIT},
            )
        if res.x is None:
            break
        size = round(res.fun)
        if best is None:
            best = size
        if size > best:
            break
        changed = [i for i in range(n) if res.x[n + i] > 0.5 and abs(res.x[i] - current[i]) > 1e-6]
        fixes.append(
            Fix(
                tuple(
                    Change(
                        cells[i],
                        spec.cell(cells[i]).position,
                        current[i],
                        round(res.x[i]),
                        typing_slip(current[i], round(res.x[i])),
                    )
                    for i in changed
                )
            )
        )
        cut = np.zeros(2 * n)
        cut[[n + i for i in changed]] = 1  # no-good cut: not this set of cells again
        constraints.append(LinearConstraint(cut, -np.inf, len(changed) - 1))
    fixes.sort(key=lambda f: (-f.slips, sum(abs(c.new - c.old) for c in f.changes)))
    return Localisation(fixes)
