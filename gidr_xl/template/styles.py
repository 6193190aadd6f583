"""Visual constants of the generated workbook (one place, so every sheet looks the same)."""

from __future__ import annotations

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
