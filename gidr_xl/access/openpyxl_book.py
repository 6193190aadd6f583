"""BookAccess over a file, with openpyxl (headless: WPS/LibreOffice users, the server, tests)."""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.fills import Fill
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.xml.functions import fromstring, tostring

from gidr_xl.access import RGB, Grid, Look
from gidr_xl.access.loadable import loadable
from gidr_xl.errors import UnusableWorkbookError
from gidr_xl.opening import open_checked

NOTE_AUTHOR = "gidr-xl"


def _hex(rgb: RGB) -> str:
    return "".join(f"{c:02X}" for c in rgb)


class OpenpyxlBook:
    """A workbook file loaded in full; ``save_as`` writes the annotated copy."""

    def __init__(self, path: Path) -> None:
        package = open_checked(path)  # the same gate as every other reader
        self.source = str(path)
        try:
            with warnings.catch_warnings():  # openpyxl warns in English about parts it skips
                warnings.simplefilter("ignore")
                self.wb = load_workbook(loadable(package.members) or path)
        except Exception as exc:  # openpyxl raises ValueError, KeyError, TypeError … on odd parts
            raise UnusableWorkbookError(
                f"文件 {path} 的内部结构有误，无法写入标记（{type(exc).__name__}）。"
                "请用 Excel 或 WPS 打开后重新保存为 .xlsx 再提交。"
            ) from None

    @classmethod
    def in_memory(cls, wb: Workbook, source: str) -> OpenpyxlBook:
        """A workbook built in memory (a rebuilt copy), marked and saved like a loaded one."""
        book = cls.__new__(cls)
        book.source, book.wb = source, wb
        return book

    def _cell(self, sheet: str, address: str) -> Cell | None:
        """The cell to mark: a merged range's visible top-left cell for any cell it covers;
        None when the sheet is gone or the address is not a cell (the caller skips it)."""
        if sheet not in self.wb.sheetnames:
            return None
        ws = self.wb[sheet]
        try:
            cell = ws[address]
        except (ValueError, IndexError, KeyError, TypeError, AttributeError):  # a range, a chartsheet …
            return None
        if isinstance(cell, MergedCell):
            for merged in ws.merged_cells.ranges:
                if cell.coordinate in merged:
                    return ws.cell(row=merged.min_row, column=merged.min_col)
            return None
        return cell if isinstance(cell, Cell) else None

    def can_mark(self, sheet: str, address: str) -> bool:
        return self._cell(sheet, address) is not None

    def sheet_names(self) -> list[str]:
        return list(self.wb.sheetnames)

    def read(self, wanted: dict[str, tuple[int, int]]) -> Grid:
        grid: Grid = {}
        for sheet, (max_col, max_row) in wanted.items():
            if sheet not in self.wb.sheetnames:
                continue
            for row in self.wb[sheet].iter_rows(min_row=1, max_row=max_row, max_col=max_col):
                for cell in row:
                    if cell.value is not None:
                        grid[(sheet, cell.coordinate)] = cell.value
        return grid

    def read_column(self, sheet: str, column: str, first_row: int, last_row: int) -> list[object]:
        if sheet not in self.wb.sheetnames:
            return []
        ws = self.wb[sheet]
        return [ws[f"{column}{r}"].value for r in range(first_row, last_row + 1)]

    def set_fill(self, sheet: str, address: str, rgb: RGB) -> None:
        cell = self._cell(sheet, address)
        if cell is not None:
            cell.fill = PatternFill("solid", fgColor=_hex(rgb))

    def set_note(self, sheet: str, address: str, text: str | None) -> None:
        cell = self._cell(sheet, address)
        if cell is not None:
            cell.comment = None if text is None else Comment(text, NOTE_AUTHOR, width=320, height=140)

    def look(self, sheet: str, address: str) -> Look:
        cell = self._cell(sheet, address)
        if cell is None:
            return Look()
        fill = "" if cell.fill == PatternFill() else tostring(cell.fill.to_tree()).decode("utf-8")
        comment = cell.comment
        if comment is None:
            return Look(fill)
        return Look(fill, comment.text, comment.author or "")

    def restore(self, sheet: str, address: str, look: Look, fill: bool = True, note: bool = True) -> None:
        cell = self._cell(sheet, address)
        if cell is None:
            return
        if fill:
            # the recorded fill is text from the workbook itself: if edited into nonsense, the
            # fill is left as it is rather than guessed
            with contextlib.suppress(Exception):
                cell.fill = Fill.from_tree(fromstring(look.fill)) if look.fill else PatternFill()
        if note:
            cell.comment = None if look.note is None else Comment(look.note, look.author)

    def replace_sheet(
        self, name: str, rows: list[list[object]], links: dict[tuple[int, int], str], widths: dict[str, float]
    ) -> None:
        if name in self.wb.sheetnames:
            del self.wb[name]
        ws = self.wb.create_sheet(name)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                ws.cell(row=r, column=c, value=value)
        for (r, c), target in links.items():
            cell = ws.cell(row=r, column=c)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=target, display=str(cell.value))
            cell.font = Font(color="0563C1", underline="single")
        for col, width in widths.items():
            ws.column_dimensions[col].width = width
        for c in range(1, (max((len(r) for r in rows), default=0)) + 1):
            ws.cell(row=2, column=c).font = Font(bold=True)
        ws.freeze_panes = "A3"

    def activate(self, sheet: str) -> None:
        self.wb.active = self.wb.sheetnames.index(sheet)
        for ws in self.wb.worksheets:
            ws.sheet_view.tabSelected = ws.title == sheet

    def write_cell(self, sheet: str, address: str, value: object) -> None:
        self.wb[sheet][address] = value

    def write_rows(self, sheet: str, first_row: int, first_col: int, rows: list[list[object]]) -> None:
        ws = self.wb[sheet]
        for r, row in enumerate(rows, first_row):
            for c, value in enumerate(row, first_col):
                ws.cell(row=r, column=c).value = value

    def save_as(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.wb.save(path)
        except OSError:
            raise
        except Exception as exc:  # openpyxl's writer on contents it loaded but cannot write back
            raise UnusableWorkbookError(
                f"文件 {self.source} 的内部结构有误，无法写入标记（{type(exc).__name__}）。"
            ) from None
        return path
