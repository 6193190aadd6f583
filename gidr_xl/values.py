"""Cell values as the validator sees them, and the Excel semantics of the rule predicates.

A value is ``None`` (blank), ``str`` (text), ``int``/``float`` (number), ``bool`` or
:class:`ExcelError`. The predicates mirror the Excel formulas emitted by
:mod:`gidr_xl.rules.excel` exactly (``LEN(TRIM(x))=0``, ``ISNUMBER``, ``x=INT(x)``, ``ROUND``).

Every helper here is total: any value (NaN, infinities, 10**400, booleans, text) gives an
answer, never an exception. The reader turns numbers Excel cannot hold into findings
(:func:`number_problem`), so NaN and infinities never reach the rules.
"""

from __future__ import annotations

import math
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

#: Largest magnitude Excel stores ("Excel specifications and limits": 9.99999999999999E+307).
EXCEL_MAX = 9.99999999999999e307
#: Integers above this are not held exactly by a double (and so by Excel): 2**53.
EXACT_INT_MAX = 2**53
#: ROUND's digits are clamped to this: beyond it no double changes.
_MAX_DIGITS = 400
#: Wide enough for any double quantised to any clamped number of digits (no InvalidOperation).
_WIDE = Context(prec=2 * _MAX_DIGITS + 400, Emax=MAX_EMAX, Emin=MIN_EMIN)


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
    """A whole number (``x=INT(x)``); False for NaN and infinities, True for any int."""
    if not is_number(v):
        return False
    if isinstance(v, int):
        return True
    return math.isfinite(v) and v.is_integer()  # type: ignore[arg-type]


def number_problem(v: object, integral: bool = False) -> str | None:
    """Why ``v`` is a number Excel cannot hold (for ``integral`` cells: cannot hold exactly),
    as a Chinese phrase; None for non-numbers and ordinary numbers."""
    if not is_number(v):
        return None
    if isinstance(v, float) and math.isnan(v):
        return "不是有效数字（NaN）"
    if isinstance(v, float) and math.isinf(v):
        return "为无穷大"
    if abs(v) > EXCEL_MAX:  # type: ignore[arg-type]
        return "超出 Excel 能保存的范围（绝对值不能超过 9.99E+307）"
    if integral and is_integer(v) and abs(v) > EXACT_INT_MAX:  # type: ignore[arg-type]
        return f"超出可精确计数的范围（不能超过 {EXACT_INT_MAX}）"
    return None


def excel_round(x: object, digits: object) -> float:
    """Excel ``ROUND``: half away from zero on the decimal text of the number.

    NaN and infinities come back unchanged; a non-number, or digits that are not a finite
    number, give NaN (which compares unequal to everything, as a failed check)."""
    if not is_number(x) or not is_number(digits):
        return math.nan
    if isinstance(x, float) and not math.isfinite(x):
        return x
    if isinstance(digits, float) and not math.isfinite(digits):
        return math.nan
    places = max(-_MAX_DIGITS, min(_MAX_DIGITS, int(digits)))  # type: ignore[arg-type]
    try:
        with localcontext(_WIDE):
            exact = Decimal(x) if isinstance(x, int) else Decimal(repr(x))
            rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
            return float(rounded)  # beyond the double range: ±inf, never an exception
    except (InvalidOperation, OverflowError, ValueError):
        return math.nan


#: Longest text quoted whole in a message or a finding; longer texts are cut (a cell holds up
#: to 32 767 characters, a hostile file millions, and a finding only needs to show which).
SHOWN_TEXT_MAX = 200


def shortened(text: str, limit: int = SHOWN_TEXT_MAX) -> str:
    """``text``, or its beginning and its length when it is longer than ``limit``."""
    return text if len(text) <= limit else f"{text[:limit]}…（共 {len(text)} 字）"


def display(v: object) -> str:
    """A value as users see it in messages."""
    if v is None:
        return "空白"
    if isinstance(v, float) and not math.isfinite(v):
        return "#NUM!"
    if isinstance(v, str):
        return shortened(v)
    try:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)
    except ValueError:  # an int of more digits than Python will print (sys.int_info)
        return f"{'-' if v < 0 else ''}（{v.bit_length() * 30103 // 100000 + 1} 位数字）"  # type: ignore[operator, union-attr]
