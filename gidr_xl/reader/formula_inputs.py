"""Evaluate formulas that staff typed into input cells (``=3+4``), never trusting cached values."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")  # formulas draws progress bars otherwise

import formulas
import numpy as np
from openpyxl import Workbook

from gidr_xl.values import ExcelError


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


def _with_model(
    targets: Mapping[tuple[str, str], str], grid: Mapping[tuple[str, str], object]
) -> dict[tuple[str, str], object]:
    """Rebuild a minimal workbook (input values + typed formulas) and let formulas compute it."""
    wb = Workbook()
    wb.remove(wb.active)
    for (sheet, address), value in {**grid, **targets}.items():
        ws = wb[sheet] if sheet in wb.sheetnames else wb.create_sheet(sheet)
        ws[address] = value
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
    targets: Mapping[tuple[str, str], str], grid: Mapping[tuple[str, str], object]
) -> dict[tuple[str, str], object]:
    """Values of formula cells ``(sheet, address) → "=..."``, given every other cell's value.

    Reference-free formulas are compiled one by one; formulas with references are computed in
    a small workbook rebuilt from the input cells, so the submitted workbook's own check
    formulas and cached results play no part.
    """
    results: dict[tuple[str, str], object] = {}
    with_refs = {}
    for where, text in targets.items():
        func = formulas.Parser().ast(text)[1].compile()
        if list(func.inputs):
            with_refs[where] = text
        else:
            results[where] = plain_value(func())
    if with_refs:
        results.update(_with_model(targets, grid))
    return results
