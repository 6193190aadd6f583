"""One workbook-access layer, two implementations: live Excel (xlwings) and files (openpyxl).

Validation reads through it and the marks are written through it, so the ribbon button,
``gidr validate --annotate`` and the server produce the identical result.
"""

from __future__ import annotations

from typing import Protocol

Grid = dict[tuple[str, str], object]
RGB = tuple[int, int, int]


class BookAccess(Protocol):
    """What validation and annotation need from a workbook."""

    source: str  # file name shown in messages

    def sheet_names(self) -> list[str]: ...

    def read(self, wanted: dict[str, tuple[int, int]]) -> Grid:
        """Contents of cells up to (max_col, max_row) per sheet: one bulk read per sheet."""
        ...

    def read_column(self, sheet: str, column: str, first_row: int, last_row: int) -> list[object]: ...

    def set_fill(self, sheet: str, address: str, rgb: RGB) -> None: ...

    def set_note(self, sheet: str, address: str, text: str | None) -> None:
        """Replace the cell's note (None removes it)."""
        ...

    def replace_sheet(
        self, name: str, rows: list[list[object]], links: dict[tuple[int, int], str], widths: dict[str, float]
    ) -> None:
        """Write ``rows`` into a fresh sheet ``name`` (1-based (row, col) → internal link target)."""
        ...

    def activate(self, sheet: str) -> None: ...

    def write_cell(self, sheet: str, address: str, value: object) -> None:
        """Used only for the metadata sheet (never for cells the staff fill in)."""
        ...
