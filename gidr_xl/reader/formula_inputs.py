"""Evaluate formulas that staff typed into input cells (``=3+4``), never trusting cached values.

Bounded: each formula is first inspected (:mod:`gidr_xl.reader.formula_guard`: no whole
columns, no large ranges, no cycles, no volatile or unknown functions), the small workbook it is
computed in holds only the cells it reads, and the computation runs under a time limit. A
formula refused or cut off is reported by the caller as a finding, never a hang.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")  # formulas draws progress bars otherwise

import formulas
import numpy as np
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from gidr_xl.reader.formula_guard import Box, inspect, refusals
from gidr_xl.values import ExcelError, is_number, number_problem

Key = tuple[str, str]
#: Seconds all typed formulas of one workbook may take together (one takes ~50 ms).
TIME_BUDGET = 5.0
TIMED_OUT = "计算超时"


class _OutOfTime(BaseException):
    """Raised by the alarm inside the formulas engine: a BaseException (like KeyboardInterrupt)
    so that the engine's own ``except Exception`` (which turns errors into #VALUE!) lets it by."""


@dataclass
class Evaluation:
    """Computed values of the typed formulas, and why the others were not computed."""

    values: dict[Key, object] = field(default_factory=dict)
    refused: dict[Key, str] = field(default_factory=dict)


def plain_value(value: object) -> object:
    """formulas' result → a validator value (None, str, int/float, bool, ExcelError)."""
    if isinstance(value, np.ndarray):
        value = value.ravel()[0] if value.size else None
    if isinstance(value, formulas.tokens.operand.XlError):
        return ExcelError(str(value))
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if value is None or str(value) == "empty":
        return None
    return value


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`_OutOfTime` in this block after ``seconds`` (SIGALRM).

    Only the main thread can receive signals: elsewhere (a server thread) the block runs
    unlimited and the up-front inspection is the only bound. No portable way exists to stop a
    Python computation in another thread; a subprocess per formula would cost ~1 s each."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    armed = [True]

    def _alarm(*_: object) -> None:
        if armed[0]:
            raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, _alarm)
    # re-fires every 0.2 s in case something swallows the first one
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.2)
    try:
        yield
    finally:
        while armed[0]:  # an alarm landing right here must not escape the cleanup
            with contextlib.suppress(_OutOfTime):
                armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _cell_value(value: object) -> object:
    """A grid value as it may be written into the scratch workbook."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if is_number(value) and number_problem(value) is not None:
        return "#NUM!"
    if isinstance(value, float) and not math.isfinite(value):
        return "#NUM!"
    return value


def _read_cells(boxes: list[Box], grid: Mapping[Key, object]) -> dict[Key, object]:
    """The cells of ``grid`` inside ``boxes`` (only what the formulas read)."""
    out = {}
    for (sheet, address), value in grid.items():
        col, row = _column_row(address)
        if any(b[0] == sheet and b[1] <= col <= b[3] and b[2] <= row <= b[4] for b in boxes):
            out[(sheet, address)] = value
    return out


def _column_row(address: str) -> tuple[int, int]:
    try:
        letters, row = coordinate_from_string(address)
        return column_index_from_string(letters), row
    except ValueError:
        return 0, 0


def _with_model(targets: Mapping[Key, str], cells: Mapping[Key, object]) -> dict[Key, object]:
    """Rebuild a minimal workbook (the cells read + typed formulas) and let formulas compute it."""
    wb = Workbook()
    wb.remove(wb.active)
    for (sheet, address), value in {**cells, **targets}.items():
        ws = wb[sheet] if sheet in wb.sheetnames else wb.create_sheet(sheet)
        ws[address] = _cell_value(value) if (sheet, address) not in targets else value
    with tempfile.TemporaryDirectory(prefix="gidr-fx-") as tmp:
        path = Path(tmp) / "inputs.xlsx"
        wb.save(path)
        solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    by_key = {k.upper(): v for k, v in solution.items()}
    out = {}
    for sheet, address in targets:
        found = by_key.get(f"'[INPUTS.XLSX]{sheet}'!{address}".upper())
        out[(sheet, address)] = plain_value(found.value) if found is not None else ExcelError("#REF!")
    return out


def evaluate(
    targets: Mapping[Key, str], grid: Mapping[Key, object], budget: float = TIME_BUDGET
) -> Evaluation:
    """Values of formula cells ``(sheet, address) → "=..."``, given every other cell's value.

    Reference-free formulas are compiled one by one; formulas with references are computed in
    a small workbook rebuilt from the cells they read, so the submitted workbook's own check
    formulas and cached results play no part.
    """
    result = Evaluation(refused=refusals(targets))
    allowed = {k: t for k, t in targets.items() if k not in result.refused}
    boxes = [b for k, t in allowed.items() for b in inspect(t, k[0])[0]]
    with_refs = {k: t for k, t in allowed.items() if inspect(t, k[0])[0]}
    try:
        with time_limit(budget):
            for where, text in allowed.items():
                if where not in with_refs:
                    _one(result, where, text)
            if with_refs:  # the plain formulas go in as well: one may read another
                model = {k: t for k, t in allowed.items() if k not in result.refused}
                try:
                    result.values.update(_with_model(model, _read_cells(boxes, grid)))
                except Exception as exc:  # the formulas engine raises many types on odd input
                    _refuse_all(result, with_refs, f"公式无法计算（{type(exc).__name__}）")
    except _OutOfTime:
        _refuse_all(result, {k: t for k, t in allowed.items() if k not in result.values}, TIMED_OUT)
    return result


def _one(result: Evaluation, where: Key, text: str) -> None:
    """A formula without references, compiled on its own."""
    try:
        result.values[where] = plain_value(formulas.Parser().ast(text)[1].compile()())
    except Exception as exc:  # e.g. FormulaError on overflow (=1E308*10)
        result.refused[where] = f"公式无法计算（{type(exc).__name__}）"


def _refuse_all(result: Evaluation, keys: Mapping[Key, str], why: str) -> None:
    for where in keys:
        result.values.pop(where, None)
        result.refused[where] = why
