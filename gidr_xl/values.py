"""Cell values as the validator sees them, and the Excel semantics of the rule predicates.

A value is ``None`` (blank), ``str`` (text), ``int``/``float`` (number), ``bool`` or
:class:`ExcelError`. The predicates mirror the Excel formulas emitted by
:mod:`gidr_xl.rules.excel` exactly (``LEN(TRIM(x))=0``, ``ISNUMBER``, ``x=INT(x)``, ``ROUND``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

Value = None | str | int | float | bool


class ExcelError(str):
    """An Excel error value such as ``#DIV/0!`` (from a formula typed into an input cell)."""


def is_blank(v: object) -> bool:
    """Empty, or text of spaces only (Excel: ``LEN(TRIM(x))=0``)."""
    if v is None:
        return True
    return isinstance(v, str) and not isinstance(v, ExcelError) and v.strip(" ") == ""


def is_number(v: object) -> bool:
    """Excel ``ISNUMBER``: numbers only, not booleans, text or errors."""
    return isinstance(v, int | float) and not isinstance(v, bool)


def is_integer(v: object) -> bool:
    return is_number(v) and float(v).is_integer()  # type: ignore[arg-type]


def excel_round(x: float, digits: int) -> float:
    """Excel ``ROUND``: half away from zero on the decimal text of the number."""
    q = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP)
    return float(q)


def display(v: object) -> str:
    """A value as users see it in messages."""
    if v is None:
        return "空白"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
