"""One workbook-access layer, two implementations: live Excel (xlwings) and files (openpyxl).

Validation reads through it and the marks are written through it, so the ribbon button,
``gidr validate --annotate`` and the server produce the identical result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

Grid = dict[tuple[str, str], object]
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Look:
    """What a mark changes in a cell, as storable text: its fill ('' = none) and its note."""

    fill: str = ""
    note: str | None = None
    author: str = ""  # the note's author where the format keeps one (files); '' otherwise


class BookAccess(Protocol):
    """What validation and annotation need from a workbook."""

    source: str  # file name shown in messages

    def sheet_names(self) -> list[str]: ...

    def read(self, wanted: dict[str, tuple[int, int]]) -> Grid:
        """Contents of cells up to (max_col, max_row) per sheet: one bulk read per sheet."""
        ...

    def read_column(self, sheet: str, column: str, first_row: int, last_row: int) -> list[object]: ...

    def can_mark(self, sheet: str, address: str) -> bool:
        """Whether a fill and a note can be put on the cell (the sheet exists, the cell is one)."""
        ...

    def set_fill(self, sheet: str, address: str, rgb: RGB) -> None: ...

    def set_note(self, sheet: str, address: str, text: str | None) -> None:
        """Replace the cell's note (None removes it)."""
        ...

    def look(self, sheet: str, address: str) -> Look:
        """The cell's current fill and note (recorded before a mark, to restore them later)."""
        ...

    def restore(self, sheet: str, address: str, look: Look, fill: bool = True, note: bool = True) -> None:
        """Put back a recorded fill and/or note exactly."""
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

    def write_rows(self, sheet: str, first_row: int, first_col: int, rows: list[list[object]]) -> None:
        """One bulk write into the metadata sheet (None empties a cell)."""
        ...
