"""Evaluate formulas that staff typed into input cells (``=3+4``), never trusting cached values."""

from __future__ import annotations

import os
from collections.abc import Mapping

os.environ.setdefault("TQDM_DISABLE", "1")  # formulas draws progress bars otherwise

import formulas  # noqa: E402
import numpy as np  # noqa: E402

from gidr_xl.values import ExcelError  # noqa: E402

BOOK = "input.xlsx"


def _plain(value: object) -> object:
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
    if value is None or str(value) == "empty" or value is getattr(formulas, "EMPTY", object()):
        return None
    return value


def _key(sheet: str, address: str) -> str:
    return f"'[{BOOK}]{sheet.upper()}'!{address.upper()}"


def evaluate(
    targets: Mapping[tuple[str, str], str], grid: Mapping[tuple[str, str], object]
) -> dict[tuple[str, str], object]:
    """Values of formula cells ``(sheet, address) → "=..."``, given every other cell's value.

    Reference-free formulas are compiled one by one; otherwise a small model is built from the
    input cells only, so the workbook's own check formulas play no part.
    """
    results: dict[tuple[str, str], object] = {}
    needs_model = {}
    for where, text in targets.items():
        func = formulas.Parser().ast(text)[1].compile()
        if list(func.inputs):
            needs_model[where] = text
        else:
            results[where] = _plain(func())
    if needs_model:
        cells = {_key(s, a): v for (s, a), v in grid.items() if v is not None}
        cells.update({_key(s, a): t for (s, a), t in targets.items()})
        model = formulas.ExcelModel().from_dict(cells)
        model.finish()
        solution = model.calculate()
        by_key = {k.upper(): v for k, v in solution.items()}
        for (sheet, address) in needs_model:
            found = by_key.get(_key(sheet, address).upper())
            results[(sheet, address)] = _plain(found.value) if found is not None else ExcelError("#REF!")
    return results
