"""Visual constants of the generated workbook (one place, so every sheet looks the same)."""

from __future__ import annotations

import unicodedata

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from gidr_xl.model import CellType

FONT_NAME = "宋体"
TITLE_FONT = Font(name=FONT_NAME, size=14, bold=True)
NOTE_FONT = Font(name=FONT_NAME, size=10, color="555555")
LABEL_FONT = Font(name=FONT_NAME, size=10, bold=True)
BODY_FONT = Font(name=FONT_NAME, size=10)
CHECK_FONT = Font(name=FONT_NAME, size=9, italic=True, color="555555")

_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

LABEL_FILL = PatternFill("solid", fgColor="EDEDED")
INPUT_FILL = PatternFill("solid", fgColor="FFF9DB")  # pale yellow: "fill in here"
CHECK_FILL = PatternFill("solid", fgColor="F2F2F2")
FAIL_FILL = PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE")
PASS_FILL = PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE")
SKIP_FILL = PatternFill("solid", fgColor="E7E6E6", bgColor="E7E6E6")
FAIL_FONT = Font(color="9C0006", bold=True)
PASS_FONT = Font(color="006100")

CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)

NUMBER_FORMATS = {
    CellType.COUNT: "0",
    CellType.SIGNED: "0",
    CellType.DECIMAL: "0.0###",
    CellType.MONEY: "#,##0.00",
    CellType.YEAR: "0",
    CellType.TEXT: "@",
}

# -- row heights ---------------------------------------------------------------------------------
#: Column-width units (Excel's: the width of "0" in the default font) that one full-width (CJK)
#: character takes at 10 pt, and one half-width character; both scale with the font size.
FULL_WIDTH_UNITS = 2.0
HALF_WIDTH_UNITS = 1.1
#: Excel's width of a column that has none set.
DEFAULT_COLUMN_WIDTH = 8.43
#: Line box as a multiple of the font size (Noto CJK needs 1.44, 宋体 less), and the padding (pt)
#: a row keeps around its text.
LINE_SPACING = 1.5
ROW_PADDING = 5.0
#: Lines a narrative paragraph row offers even when blank (staff type into it).
NARRATIVE_LINES = 3
#: Excel's largest row height (pt).
MAX_ROW_HEIGHT = 409.0


def _char_units(ch: str) -> float:
    wide = unicodedata.east_asian_width(ch) in ("W", "F", "A")
    return FULL_WIDTH_UNITS if wide else HALF_WIDTH_UNITS


def text_lines(text: str, width: float, size: float) -> int:
    """Lines ``text`` takes when wrapped in a cell ``width`` units wide at ``size`` pt.

    Greedy per character (Chinese breaks anywhere); explicit line breaks start new lines.
    """
    usable = max(width - 0.5, 1.0)
    scale = size / 10
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for ch in paragraph:
            units = _char_units(ch) * scale
            if used and used + units > usable:
                lines += 1
                used = 0.0
            used += units
    return lines


def row_height(text: str, width: float, size: float, wrap: bool = True, min_lines: int = 1) -> float:
    """Row height (pt) that shows ``text`` in full: its wrapped lines × the line box, plus padding."""
    lines = text_lines(text, width, size) if wrap else text.count("\n") + 1
    return min(max(lines, min_lines) * size * LINE_SPACING + ROW_PADDING, MAX_ROW_HEIGHT)
