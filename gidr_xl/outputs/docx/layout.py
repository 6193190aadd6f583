"""Page and type constants after GB/T 9704-2012《党政机关公文格式》(one place, with the clause).

Sizes in points unless noted; 号 sizes: 2号 = 22 pt, 3号 = 16 pt, 4号 = 14 pt, 五号 = 10.5 pt,
小五 = 9 pt.
"""

from __future__ import annotations

from docx.shared import Mm, Pt

# 5.2.1 / 5.2.2 幅面与版心: A4; 天头 37 mm, 订口 28 mm, 版心 156 mm × 225 mm
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM = Mm(37), Mm(35)  # 297 − 37 − 225 = 35
MARGIN_LEFT, MARGIN_RIGHT = Mm(28), Mm(26)  # 210 − 28 − 156 = 26
TEXT_WIDTH_PORTRAIT = Mm(156)
TEXT_WIDTH_LANDSCAPE = Mm(297 - 28 - 26)

# 7.5 页码: 4号半角宋体阿拉伯数字, 一字线 on both sides, 7 mm below the 版心;
# 单页码居右空一字, 双页码居左空一字
FOOTER_DISTANCE = Mm(35 - 7 - 5)
HEADER_DISTANCE = Mm(15)  # only the 核对稿 header of a forced build uses the header
PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE = "宋体", Pt(14)
PAGE_NUMBER_DASH = "—"

# 7.3.1 标题: 2号小标宋体字
TITLE_FONT, TITLE_SIZE = "方正小标宋简体", Pt(22)
TITLE_LINE_PITCH = Pt(36)
#: Characters of 2号 that fit one title line in the 156 mm type area (with a character's margin).
TITLE_LINE_CHARS = 19
# 7.3.3 结构层次序数: 第一层“一、”黑体字, 第二层“（一）”楷体字, 第三、四层仿宋体字
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
# 7.3.3 正文: 3号仿宋体字; 5.2.2 每面 22 行 → 225 mm / 22 ≈ 28.95 pt fixed line pitch
BODY_FONT, BODY_SIZE = "仿宋_GB2312", Pt(16)
LINE_PITCH = Pt(28.95)
# 5.2.2 每行 28 个字: the document grid (w:docGrid linesAndChars) in Word's units —
# linePitch in twips, charSpace in 1/4096 pt beyond the Normal size (negative: narrower pitch).
GRID_LINE_PITCH_TWIPS = int(Mm(225).twips / 22)
CHAR_PITCH = Mm(156) / 28  # ≈ 15.79 pt, a little narrower than a 3号 character
GRID_CHAR_SPACE = round((CHAR_PITCH / Pt(1) - 16) * 4096)
# LibreOffice spaces a 3号 character over two grid cells when the cell is narrower than it, so
# paragraphs do not snap to the character grid; 3号 styles get −0.25 pt character spacing
# instead (15.75 pt pitch: 28 characters per 156 mm line in Word and LibreOffice alike).
CHAR_SPACING_TWENTIETHS = -5
FIRST_LINE_INDENT = Pt(31.5)  # 每个自然段左空二字 (two 15.75 pt characters)

# Tables are not fixed by GB/T 9704; 五号宋体 fits table 三 in portrait, 小五 table 四 in landscape.
TABLE_FONT = "宋体"
TABLE_SIZE, WIDE_TABLE_SIZE = Pt(10.5), Pt(9)
TABLE_CELL_MARGIN = Mm(0.8)
NOTICE_COLOR = (0xC0, 0x00, 0x00)
DRAFT_SIZE = Pt(12)  # 核对稿·未通过校验 in the header of a forced build
