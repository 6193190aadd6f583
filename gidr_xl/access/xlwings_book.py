"""BookAccess over a live Excel workbook through xlwings (the ribbon add-in).

Only this small surface of xlwings is used, so that tests can drive it with a fake:
``book.sheets`` (iteration, ``[name]``, ``add``), ``sheet.range(...).options(ndim=2).value`` and
``.formula``,
``range.color``, ``range.note`` (``.text``) / ``add_note`` / ``note.delete()``, ``range.add_hyperlink``,
``range.column_width``, ``range.font.bold``, ``sheet.activate()``, ``sheet.delete()``, and of the
application ``app.alert``, ``app.status_bar``, ``app.api.ActiveProtectedViewWindow`` and
``app.api.GetOpenFilename``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path, PureWindowsPath
from typing import Any

from gidr_xl.access import RGB, Grid, Look
from gidr_xl.addresses import cell_at


class XlwingsBook:
    def __init__(self, book: Any) -> None:
        self.book = book
        self.source = str(getattr(book, "name", "工作簿"))

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def read(self, wanted: dict[str, tuple[int, int]]) -> Grid:
        names = set(self.sheet_names())
        grid: Grid = {}
        for sheet, (max_col, max_row) in wanted.items():
            if sheet not in names:
                continue
            rng = self.book.sheets[sheet].range((1, 1), (max_row, max_col))
            # contents, as in a file: a formula's text (never its computed result), else the value
            values, formulas = rng.options(ndim=2).value, rng.options(ndim=2).formula
            for r, (value_row, formula_row) in enumerate(zip(values, formulas, strict=True), 1):
                for c, (value, formula) in enumerate(zip(value_row, formula_row, strict=True), 1):
                    content = formula if isinstance(formula, str) and formula.startswith("=") else value
                    if content is not None:
                        grid[(sheet, cell_at(c, r))] = content
        return grid

    def read_column(self, sheet: str, column: str, first_row: int, last_row: int) -> list[object]:
        if sheet not in self.sheet_names():
            return []
        block = self.book.sheets[sheet].range(f"{column}{first_row}:{column}{last_row}").options(ndim=2).value
        return [row[0] for row in block]

    def can_mark(self, sheet: str, address: str) -> bool:
        return sheet in self.sheet_names()  # Excel notes and fills merged cells itself

    def set_fill(self, sheet: str, address: str, rgb: RGB) -> None:
        self.book.sheets[sheet].range(address).color = rgb

    def set_note(self, sheet: str, address: str, text: str | None) -> None:
        rng = self.book.sheets[sheet].range(address)
        if rng.note is not None:
            rng.note.delete()
        if text is not None:
            rng.add_note(text)

    def look(self, sheet: str, address: str) -> Look:
        rng = self.book.sheets[sheet].range(address)
        color, note = rng.color, rng.note
        fill = "" if color is None else "#" + "".join(f"{int(c):02X}" for c in color)
        return Look(fill, None if note is None else str(note.text))

    def restore(self, sheet: str, address: str, look: Look, fill: bool = True, note: bool = True) -> None:
        if fill:
            rgb = None if not look.fill else tuple(int(look.fill[i : i + 2], 16) for i in (1, 3, 5))
            self.book.sheets[sheet].range(address).color = rgb
        if note:
            self.set_note(sheet, address, look.note)

    def replace_sheet(
        self, name: str, rows: list[list[object]], links: dict[tuple[int, int], str], widths: dict[str, float]
    ) -> None:
        sheets = self.book.sheets
        if name in self.sheet_names():
            sheets[name].delete()
        ws = sheets.add(name, after=sheets[len(self.sheet_names()) - 1])
        width = max((len(r) for r in rows), default=1)
        padded = [list(r) + [None] * (width - len(r)) for r in rows]
        ws.range((1, 1), (len(padded), width)).value = padded  # one bulk write
        for (r, c), target in links.items():
            ws.range((r, c)).add_hyperlink(f"#{target}", text_to_display=str(padded[r - 1][c - 1]))
        for col, w in widths.items():
            ws.range(f"{col}:{col}").column_width = w
        ws.range((2, 1), (2, width)).font.bold = True

    def activate(self, sheet: str) -> None:
        self.book.sheets[sheet].activate()

    def write_cell(self, sheet: str, address: str, value: object) -> None:
        self.book.sheets[sheet].range(address).value = [[value]]

    def write_rows(self, sheet: str, first_row: int, first_col: int, rows: list[list[object]]) -> None:
        if not rows:
            return
        width = max(len(r) for r in rows)
        padded = [list(r) + [None] * (width - len(r)) for r in rows]
        last = (first_row + len(rows) - 1, first_col + width - 1)
        self.book.sheets[sheet].range((first_row, first_col), last).value = padded

    def alert(self, prompt: str, title: str, buttons: str = "ok", mode: str | None = None) -> str:
        """Excel's message box; returns "ok", "yes" or "no"."""
        return str(self.book.app.alert(prompt, title=title, buttons=buttons, mode=mode))

    def status(self, text: str | None) -> None:
        """Show ``text`` in Excel's status bar (None gives it back to Excel)."""
        with contextlib.suppress(Exception):  # a courtesy: never let it stop the check
            self.book.app.status_bar = text if text else False

    def in_protected_view(self) -> bool:
        """True when the active window is a Protected View window (read-only until 启用编辑)."""
        try:
            return self.book.app.api.ActiveProtectedViewWindow is not None
        except Exception:
            return False

    def local_path(self) -> Path | None:
        """The workbook's file on this computer; None if never saved or only on the web (OneDrive)."""
        try:
            fullname = str(self.book.fullname)
        except Exception:  # xlwings cannot map some OneDrive/SharePoint addresses
            return None
        if "://" in fullname or not (Path(fullname).is_absolute() or PureWindowsPath(fullname).is_absolute()):
            return None
        return Path(fullname)

    def ask_for_workbook(self, title: str) -> str | None:
        """Excel's own file dialog (Application.GetOpenFilename); None when cancelled."""
        try:
            chosen = self.book.app.api.GetOpenFilename("Excel 工作簿 (*.xlsx),*.xlsx", 1, title)
        except Exception:
            return None
        return chosen if isinstance(chosen, str) and chosen else None
