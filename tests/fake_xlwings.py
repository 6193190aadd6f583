"""A fake of the small xlwings surface the add-in uses, backed by plain dicts.

Book(name, fullname, sheets, app), Sheet(name, range, activate, delete), Range(value with
options(ndim=2), color, note / add_note, add_hyperlink, column_width, font.bold), App(alert,
status_bar, api.ActiveProtectedViewWindow, api.GetOpenFilename).
It records every call that changes something, so tests can assert exactly what was marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from gidr_xl.addresses import split_address
from gidr_xl.reader.cells import XlsxCells


@dataclass
class FakeNote:
    text: str
    cell: tuple[str, int, int]
    sheet: FakeSheet

    def delete(self) -> None:
        del self.sheet.notes[self.cell[1:]]


@dataclass
class FakeSheet:
    name: str
    book: FakeBook
    cells: dict[tuple[int, int], object] = field(default_factory=dict)
    colors: dict[tuple[int, int], tuple[int, int, int] | None] = field(default_factory=dict)
    notes: dict[tuple[int, int], FakeNote] = field(default_factory=dict)
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)

    def range(self, first, second=None) -> FakeRange:
        r1, c1, r2, c2 = _bounds(first, second)
        return FakeRange(self, r1, c1, r2, c2)

    def activate(self) -> None:
        self.book.active = self.name

    def delete(self) -> None:
        self.book.sheets.remove(self)


def _point(p) -> tuple[int, int]:
    if isinstance(p, tuple):
        return p
    col, row = coordinate_from_string(p)
    return row, column_index_from_string(col)


def _bounds(first, second) -> tuple[int, int, int, int]:
    if second is not None:
        (r1, c1), (r2, c2) = _point(first), _point(second)
        return r1, c1, r2, c2
    if isinstance(first, str) and ":" in first:
        a, b = first.split(":")
        if a.isalpha():  # a whole column, "D:D"
            c = column_index_from_string(a)
            return 1, c, 1_048_576, column_index_from_string(b)
        (r1, c1), (r2, c2) = _point(a), _point(b)
        return r1, c1, r2, c2
    r, c = _point(first)
    return r, c, r, c


def _is_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith("=")


@dataclass
class FakeRange:
    sheet: FakeSheet
    r1: int
    c1: int
    r2: int
    c2: int
    font: SimpleNamespace = field(default_factory=lambda: SimpleNamespace(bold=False))

    def options(self, ndim: int | None = None) -> FakeRange:
        return self

    def _block(self) -> list[list[object]]:
        self.sheet.book.reads.append((self.sheet.name, self.r1, self.c1, self.r2, self.c2))
        return [
            [self.sheet.cells.get((r, c)) for c in range(self.c1, self.c2 + 1)]
            for r in range(self.r1, self.r2 + 1)
        ]

    @property
    def value(self) -> list[list[object]]:
        """Like Excel: a formula cell gives its computed result (unknown to the fake: "已计算")."""
        return [["已计算" if _is_formula(v) else v for v in row] for row in self._block()]

    @property
    def formula(self) -> list[list[str]]:
        """Like Excel: every cell as text, formulas with their leading '='."""
        return [["" if v is None else str(v) for v in row] for row in self._block()]

    @value.setter
    def value(self, rows) -> None:
        """Like Excel: None empties the cell."""
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is None:
                    self.sheet.cells.pop((self.r1 + i, self.c1 + j), None)
                else:
                    self.sheet.cells[(self.r1 + i, self.c1 + j)] = v

    @property
    def color(self):
        return self.sheet.colors.get((self.r1, self.c1))

    @color.setter
    def color(self, rgb) -> None:
        self.sheet.colors[(self.r1, self.c1)] = rgb

    @property
    def note(self) -> FakeNote | None:
        return self.sheet.notes.get((self.r1, self.c1))

    def add_note(self, text: str) -> FakeNote:
        if (self.r1, self.c1) in self.sheet.notes:
            raise ValueError("cell already has a note")  # as xlwings does
        note = FakeNote(text, (self.sheet.name, self.r1, self.c1), self.sheet)
        self.sheet.notes[(self.r1, self.c1)] = note
        return note

    def add_hyperlink(
        self, address: str, text_to_display: str | None = None, screen_tip: str | None = None
    ) -> None:
        self.sheet.links[(self.r1, self.c1)] = address

    @property
    def column_width(self) -> float:
        return 0.0

    @column_width.setter
    def column_width(self, width: float) -> None:
        self.sheet.widths[str(self.c1)] = width


class FakeSheets(list):
    def __getitem__(self, key):
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return list.__getitem__(self, key)

    def add(self, name: str, after=None) -> FakeSheet:
        sheet = FakeSheet(name, self.book)
        self.append(sheet)
        return sheet


@dataclass
class FakeApp:
    answers: list[str] = field(default_factory=list)
    alerts: list[tuple[str, str | None, str, str | None]] = field(default_factory=list)
    picked: str | None = None  # what the file dialog returns
    protected_view: bool = False  # a Protected View window is active
    statuses: list[str | bool] = field(default_factory=list)  # every status bar text, in order

    @property
    def api(self) -> SimpleNamespace:
        window = SimpleNamespace(Caption="受保护的视图") if self.protected_view else None
        return SimpleNamespace(
            GetOpenFilename=lambda *args: self.picked or False, ActiveProtectedViewWindow=window
        )

    @property
    def status_bar(self) -> str | bool:
        return self.statuses[-1] if self.statuses else False

    @status_bar.setter
    def status_bar(self, value: str | bool) -> None:
        self.statuses.append(value)

    def alert(
        self,
        prompt: str,
        title: str | None = None,
        buttons: str = "ok",
        mode: str | None = None,
        callback=None,
    ):
        self.alerts.append((prompt, title, buttons, mode))
        return self.answers.pop(0) if buttons != "ok" and self.answers else "ok"


class FakeBook:
    def __init__(
        self, path: Path, answers: list[str] | None = None, picked: str | None = None, fullname: str = ""
    ) -> None:
        self.name = path.name
        self.fullname = fullname or str(path)  # Excel gives a never-saved book's name ("工作簿1")
        self.app = FakeApp(list(answers or []), picked=picked)
        self.sheets = FakeSheets()
        self.sheets.book = self
        self.active: str | None = None
        self.reads: list[tuple] = []
        with XlsxCells(path) as book:
            names = book.sheet_names
            contents = book.read({n: (60, 1200) for n in names})
        for n in names:
            self.sheets.append(FakeSheet(n, self))
        for (sheet, address), value in contents.items():
            col, row = split_address(address)
            self.sheets[sheet].cells[(row, col)] = value

    def marked(self) -> dict[str, tuple[tuple[int, int, int] | None, str | None]]:
        """``表四!E7`` → (fill, note text) for every cell that got a fill or a note."""
        from gidr_xl.addresses import cell_at

        out = {}
        for sheet in self.sheets:
            for r, c in set(sheet.colors) | set(sheet.notes):
                note = sheet.notes.get((r, c))
                out[f"{sheet.name}!{cell_at(c, r)}"] = (sheet.colors.get((r, c)), note.text if note else None)
        return out
