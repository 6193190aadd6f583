"""Neutral document → .docx in the official layout (GB/T 9704-2012 typography)."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Length, Pt, RGBColor

from gidr_xl.outputs.document import Document, Paragraph, Table
from gidr_xl.outputs.docx import layout
from gidr_xl.outputs.docx.fonts import set_font, set_language
from gidr_xl.outputs.docx.grid import build_table

TITLE_STYLE, BODY_STYLE, SUBHEADING_STYLE, NOTICE_STYLE = "GIDR 标题", "GIDR 正文", "Heading 2", "GIDR 提示"
HEADING_STYLE = "Heading 1"


def _style(doc: DocxDocument, name: str, font: str, size: Length, *, builtin: bool = False):
    styles = doc.styles
    style = styles[name] if builtin else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.font.name, style.font.size = font, size
    style.font.bold, style.font.italic = False, False
    style.font.color.rgb = RGBColor(0, 0, 0)
    set_font(style.element, font)
    set_language(style.element)
    fmt = style.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, layout.LINE_PITCH
    fmt.space_before, fmt.space_after = Pt(0), Pt(0)
    return style


_STYLE_IDS: dict[str, str] = {}


def _setup_styles(doc: DocxDocument) -> None:
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = layout.BODY_FONT, layout.BODY_SIZE
    set_font(normal.element, layout.BODY_FONT)
    set_language(normal.element)
    title = _style(doc, TITLE_STYLE, layout.TITLE_FONT, layout.TITLE_SIZE)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = Pt(28)
    body = _style(doc, BODY_STYLE, layout.BODY_FONT, layout.BODY_SIZE)
    body.paragraph_format.first_line_indent = layout.FIRST_LINE_INDENT
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    for name, font in ((HEADING_STYLE, layout.HEADING1_FONT), (SUBHEADING_STYLE, layout.HEADING2_FONT)):
        heading = _style(doc, name, font, layout.BODY_SIZE, builtin=True)
        heading.paragraph_format.first_line_indent = layout.FIRST_LINE_INDENT
        heading.paragraph_format.keep_with_next = True
    notice = _style(doc, NOTICE_STYLE, layout.HEADING1_FONT, layout.BODY_SIZE)
    notice.font.color.rgb = RGBColor(*layout.NOTICE_COLOR)
    notice.font.bold = True
    for name in (TITLE_STYLE, BODY_STYLE, HEADING_STYLE, SUBHEADING_STYLE, NOTICE_STYLE):
        _STYLE_IDS[name] = doc.styles[name].style_id


def _page(section: Section, landscape: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    width, height = (
        (layout.PAGE_HEIGHT, layout.PAGE_WIDTH) if landscape else (layout.PAGE_WIDTH, layout.PAGE_HEIGHT)
    )
    section.page_width, section.page_height = width, height
    section.top_margin, section.bottom_margin = layout.MARGIN_TOP, layout.MARGIN_BOTTOM
    section.left_margin, section.right_margin = layout.MARGIN_LEFT, layout.MARGIN_RIGHT
    section.footer_distance = layout.FOOTER_DISTANCE


def _page_number(paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    """``— 1 —`` with a live PAGE field, 4号宋体, one character in from the edge."""
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.first_line_indent = Pt(0)
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = layout.PAGE_NUMBER_SIZE
    else:
        fmt.left_indent = layout.PAGE_NUMBER_SIZE

    def run(text: str):
        r = paragraph.add_run(text)
        r.font.name, r.font.size = layout.PAGE_NUMBER_FONT, layout.PAGE_NUMBER_SIZE
        set_font(r._r, layout.PAGE_NUMBER_FONT)
        return r

    run(f"{layout.PAGE_NUMBER_DASH} ")
    field = run("")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            node = OxmlElement("w:fldChar")
            node.set(qn("w:fldCharType"), kind)
        elif text == "1":
            node = OxmlElement("w:t")
            node.text = text
        else:
            node = OxmlElement("w:instrText")
            node.set(qn("xml:space"), "preserve")
            node.text = text
        field._r.append(node)
    run(f" {layout.PAGE_NUMBER_DASH}")


def _footers(doc: DocxDocument, section: Section) -> None:
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)  # odd pages
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _widths(table: Table, total: Length) -> list[Length]:
    """Column widths proportional to the longest one-column text (clamped to 5–14 characters).

    Labels merged over several rows (三、本年度办理结果, （三）不予公开) wrap within their tall cell
    and do not widen their column.
    """
    longest = [5] * table.n_cols
    for cell in table.cells:
        if cell.colspan == 1 and cell.rowspan == 1:
            longest[cell.col] = max(longest[cell.col], min(len(cell.text), 14))
    unit = int(total) // sum(longest)
    return [Length(unit * w) for w in longest]


def _paragraph(doc: DocxDocument, text: str, style: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph._p.get_or_add_pPr().style = _STYLE_IDS[style]  # by id: python-docx's lookup by name is slow
    run = paragraph.add_run(text)
    font = {
        TITLE_STYLE: layout.TITLE_FONT,
        HEADING_STYLE: layout.HEADING1_FONT,
        SUBHEADING_STYLE: layout.HEADING2_FONT,
        NOTICE_STYLE: layout.HEADING1_FONT,
    }.get(style, layout.BODY_FONT)
    set_font(run._r, font)


def _table(doc: DocxDocument, table: Table, landscape: bool) -> None:
    if table.caption:
        _paragraph(doc, table.caption, BODY_STYLE)
    width = layout.TEXT_WIDTH_LANDSCAPE if landscape else layout.TEXT_WIDTH_PORTRAIT
    size = layout.WIDE_TABLE_SIZE if table.wide else layout.TABLE_SIZE
    build_table(doc, table, _widths(table, width), size)


@lru_cache(maxsize=1)
def _base() -> bytes:
    """An empty document with our styles, page setup and page numbers (built once per process)."""
    doc = docx.Document()
    _setup_styles(doc)
    _page(doc.sections[0], landscape=False)
    _footers(doc, doc.sections[0])
    body = doc.element.body
    for child in list(body):  # the default template starts with one empty paragraph
        if child.tag == qn("w:p"):
            body.remove(child)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


CORE_PROPERTY_MAX = 255


def write_docx(document: Document, path: Path) -> Path:
    """Render ``document`` to ``path``."""
    doc = docx.Document(io.BytesIO(_base()))
    # core properties hold at most 255 characters (python-docx refuses more): a title built
    # from an overlong 机关名称 is shortened there, never in the text
    doc.core_properties.title = document.title[:CORE_PROPERTY_MAX]
    doc.core_properties.language = "zh-CN"
    if document.notice:
        _paragraph(doc, document.notice, NOTICE_STYLE)
    _paragraph(doc, document.title, TITLE_STYLE)
    _paragraph(doc, document.opening, BODY_STYLE)
    for section in document.sections:
        # a part whose table is too wide for portrait gets its own landscape pages, heading included
        landscape = any(isinstance(b, Table) and b.wide for b in section.blocks)
        if landscape:
            _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=True)
        _paragraph(doc, section.heading, HEADING_STYLE)
        for block in section.blocks:
            if isinstance(block, Table):
                _table(doc, block, landscape)
            elif isinstance(block, Paragraph):
                _paragraph(doc, block.text, SUBHEADING_STYLE if block.subheading else BODY_STYLE)
        if landscape:
            _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
