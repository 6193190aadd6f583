"""Cell-address arithmetic (A1 notation), shared by the loader, writer and reader."""

from __future__ import annotations

from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
    range_boundaries,
)


def parse_span(span: str) -> tuple[int, int, int, int]:
    """``"B7:D7"`` → (min_col, min_row, max_col, max_row); a single cell is a 1×1 span."""
    if ":" not in span:
        col, row = coordinate_from_string(span)
        c = column_index_from_string(col)
        return c, row, c, row
    min_col, min_row, max_col, max_row = range_boundaries(span)
    if None in (min_col, min_row, max_col, max_row):
        raise ValueError(span)
    return min_col, min_row, max_col, max_row  # type: ignore[return-value]


def make_span(min_col: int, min_row: int, max_col: int, max_row: int) -> str:
    first = f"{get_column_letter(min_col)}{min_row}"
    if (min_col, min_row) == (max_col, max_row):
        return first
    return f"{first}:{get_column_letter(max_col)}{max_row}"


def shift_span(span: str, rows: int) -> str:
    """Move a span down by ``rows`` rows."""
    a, b, c, d = parse_span(span)
    return make_span(a, b + rows, c, d + rows)


def top_left(span: str) -> str:
    a, b, _, _ = parse_span(span)
    return f"{get_column_letter(a)}{b}"


def cell_at(col: int, row: int) -> str:
    return f"{get_column_letter(col)}{row}"


def split_address(address: str) -> tuple[int, int]:
    """``"D6"`` → (col 4, row 6)."""
    col, row = coordinate_from_string(address)
    return column_index_from_string(col), row


def quote_sheet(sheet: str) -> str:
    """Sheet name as it must appear in a formula reference."""
    return "'" + sheet.replace("'", "''") + "'"
