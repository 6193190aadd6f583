"""The reference 公文 template (gidr_xl/data/docx/gongwen.docx): styles, page, grid, fonts.

``build_template`` is run once by scripts/make_docx_template.py and its output is checked in;
the compiler only fills the template (``docx.Document(template)``), so an office can adjust
fonts, margins or page numbers in Word and keep using gidr-xl.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Length, Pt, RGBColor

from gidr_xl.outputs.docx import layout
from gidr_xl.outputs.docx.fonts import (
    FONT_TABLE,
    char_spacing,
    off_grid,
    set_defaults,
    set_font,
    set_language,
)

TITLE_STYLE, BODY_STYLE, NOTICE_STYLE = "GIDR 标题", "GIDR 正文", "GIDR 提示"
HEADING_STYLE, SUBHEADING_STYLE = "Heading 1", "Heading 2"
CAPTION_STYLE, DRAFT_STYLE = "GIDR 表题", "GIDR 核对稿页眉"
STYLES = (TITLE_STYLE, BODY_STYLE, HEADING_STYLE, SUBHEADING_STYLE, NOTICE_STYLE, CAPTION_STYLE, DRAFT_STYLE)

#: Fixed date of the template's own properties and zip entries (the compiler sets real ones).
EPOCH = datetime(2026, 1, 1)

_APP_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Template>gongwen.docx</Template><Application>gidr-xl</Application><DocSecurity>0</DocSecurity>"
    "<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
    "<HyperlinksChanged>false</HyperlinksChanged></Properties>"
)


def _style(doc: DocxDocument, name: str, font: str, size: Length, *, builtin: bool = False):
    styles = doc.styles
    style = styles[name] if builtin else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.font.name, style.font.size = font, size
    style.font.bold, style.font.italic = False, False
    style.font.color.rgb = RGBColor(0, 0, 0)
    set_font(style.element, font)
    set_language(style.element)
    if size == layout.BODY_SIZE:
        char_spacing(style.element, layout.CHAR_SPACING_TWENTIETHS)
    fmt = style.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, layout.LINE_PITCH
    fmt.space_before, fmt.space_after = Pt(0), Pt(0)
    return style


def _setup_styles(doc: DocxDocument) -> None:
    set_defaults(doc.styles.element, layout.BODY_FONT, int(layout.BODY_SIZE.pt * 2))
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = layout.BODY_FONT, layout.BODY_SIZE
    set_font(normal.element, layout.BODY_FONT)
    set_language(normal.element)
    char_spacing(normal.element, layout.CHAR_SPACING_TWENTIETHS)
    title = _style(doc, TITLE_STYLE, layout.TITLE_FONT, layout.TITLE_SIZE)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = layout.TITLE_LINE_PITCH
    title.paragraph_format.space_after = layout.LINE_PITCH  # 7.3.1: 标题 … 空一行
    off_grid(title.element.get_or_add_pPr())
    body = _style(doc, BODY_STYLE, layout.BODY_FONT, layout.BODY_SIZE)
    body.paragraph_format.first_line_indent = layout.FIRST_LINE_INDENT
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body.paragraph_format.widow_control = True
    for name, font in ((HEADING_STYLE, layout.HEADING1_FONT), (SUBHEADING_STYLE, layout.HEADING2_FONT)):
        heading = _style(doc, name, font, layout.BODY_SIZE, builtin=True)
        heading.paragraph_format.first_line_indent = layout.FIRST_LINE_INDENT
        heading.paragraph_format.keep_with_next = True
    caption = _style(doc, CAPTION_STYLE, layout.BODY_FONT, layout.BODY_SIZE)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True
    notice = _style(doc, NOTICE_STYLE, layout.HEADING1_FONT, layout.BODY_SIZE)
    notice.font.color.rgb = RGBColor(*layout.NOTICE_COLOR)
    notice.font.bold = True
    draft = _style(doc, DRAFT_STYLE, layout.HEADING1_FONT, layout.DRAFT_SIZE)
    draft.font.color.rgb = RGBColor(*layout.NOTICE_COLOR)
    draft.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    draft.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    off_grid(draft.element.get_or_add_pPr())


def page(section: Section, landscape: bool) -> None:
    """A4 portrait or landscape with the GB/T 9704 margins."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    width, height = (
        (layout.PAGE_HEIGHT, layout.PAGE_WIDTH) if landscape else (layout.PAGE_WIDTH, layout.PAGE_HEIGHT)
    )
    section.page_width, section.page_height = width, height
    section.top_margin, section.bottom_margin = layout.MARGIN_TOP, layout.MARGIN_BOTTOM
    section.left_margin, section.right_margin = layout.MARGIN_LEFT, layout.MARGIN_RIGHT
    section.footer_distance = layout.FOOTER_DISTANCE
    section.header_distance = layout.HEADER_DISTANCE


def _doc_grid(section: Section) -> None:
    """5.2.2: 28 characters × 22 lines in the type area (``w:docGrid`` linesAndChars)."""
    sect_pr = section._sectPr
    for old in sect_pr.findall(qn("w:docGrid")):
        sect_pr.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(layout.GRID_LINE_PITCH_TWIPS))
    grid.set(qn("w:charSpace"), str(layout.GRID_CHAR_SPACE))
    sect_pr.append(grid)


def _page_number(paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    """``— 1 —`` with a live PAGE field, 4号宋体, one character in from the edge."""
    paragraph.alignment = align
    off_grid(paragraph._p.get_or_add_pPr())
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


#: Styles of python-docx's default template that the report uses (the rest are dropped).
_KEEP_STYLES = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList", "TableGrid", "Header", "Footer"}


def _prune_styles(doc: DocxDocument) -> None:
    """Only the styles the report uses and those they build on (a small, fast styles part)."""
    root = doc.styles.element
    by_id = {s.get(qn("w:styleId")): s for s in root.findall(qn("w:style"))}
    keep = set(_KEEP_STYLES) | {doc.styles[name].style_id for name in STYLES}
    todo = list(keep)
    while todo:
        node = by_id.get(todo.pop())
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = node.find(qn(tag)) if node is not None else None
            if ref is not None and ref.get(qn("w:val")) not in keep:
                keep.add(ref.get(qn("w:val")))
                todo.append(ref.get(qn("w:val")))
    for style_id, node in by_id.items():
        if style_id not in keep:
            root.remove(node)


def _clean_package(doc: DocxDocument) -> None:
    """No thumbnail, no legacy parts, neutral app.xml, a font table with fallbacks."""
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rid]
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith(("/stylesWithEffects", "/customXml", "/webSettings")):
            del doc.part.rels[rid]
    _prune_styles(doc)
    settings = doc.settings.element
    for node in settings.findall(qn("w:savePreviewPicture")):
        settings.remove(node)
    for part in package.iter_parts():
        if part.partname == "/docProps/app.xml":
            part._blob = _APP_XML.encode("utf-8")
        elif part.partname == "/word/fontTable.xml":
            part._blob = FONT_TABLE.encode("utf-8")
    props = doc.core_properties
    props.author = props.last_modified_by = props.title = props.comments = props.subject = ""
    props.keywords = props.category = ""
    props.revision = 1
    props.language = "zh-CN"
    props.created = props.modified = EPOCH


def build_template() -> bytes:
    """The template as .docx bytes, byte-for-byte reproducible."""
    doc = docx.Document()
    _setup_styles(doc)
    section = doc.sections[0]
    page(section, landscape=False)
    _doc_grid(section)
    _footers(doc, section)
    body = doc.element.body
    for child in list(body):  # the default template starts with one empty paragraph
        if child.tag == qn("w:p"):
            body.remove(child)
    _clean_package(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with fixed entry dates (python-docx stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=EPOCH.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def write_template(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_template())
    return path
