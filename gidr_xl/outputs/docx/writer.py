"""Neutral document → .docx in the official layout (GB/T 9704-2012 typography)."""

from __future__ import annotations

import copy
import io
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Pt

from gidr_xl.outputs.document import Document, Paragraph, Table
from gidr_xl.outputs.docx import layout
from gidr_xl.outputs.docx.fonts import set_font, set_language
from gidr_xl.outputs.docx.grid import build_table
from gidr_xl.outputs.docx.sizing import Fit, fit
from gidr_xl.outputs.docx.template import (
    BODY_STYLE,
    CAPTION_STYLE,
    DRAFT_STYLE,
    HEADING_STYLE,
    NOTICE_STYLE,
    STYLES,
    SUBHEADING_STYLE,
    TITLE_STYLE,
    page,
)
from gidr_xl.outputs.nobreak import joined, spans
from gidr_xl.resources import data_path

TEMPLATE = data_path("docx", "gongwen.docx")


@lru_cache(maxsize=1)
def _template() -> tuple[bytes, dict[str, str], dict[str, str]]:
    """The reference template's bytes, style ids and East Asian font per style (read once)."""
    blob = TEMPLATE.read_bytes()
    doc = docx.Document(io.BytesIO(blob))
    ids, fonts = {}, {}
    for name in STYLES:
        style = doc.styles[name]
        ids[name] = style.style_id
        rfonts = style.element.rPr.find(qn("w:rFonts")) if style.element.rPr is not None else None
        fonts[name] = rfonts.get(qn("w:eastAsia")) if rfonts is not None else layout.BODY_FONT
    return blob, ids, fonts


def _fallback_widths(table: Table, total: Length) -> list[Length]:
    """Equal widths, for a table whose words do not fit even a landscape page."""
    return [Length(int(total) // table.n_cols)] * table.n_cols


def _fit(table: Table) -> tuple[bool, Fit | None]:
    """(landscape?, fit): portrait at 五号 if labels fit comfortably, at 小五, landscape at 小五."""
    margin = layout.TABLE_CELL_MARGIN.pt
    for width, size, landscape, comfort in (
        (layout.TEXT_WIDTH_PORTRAIT, layout.TABLE_SIZE, False, 0.5),
        (layout.TEXT_WIDTH_PORTRAIT, layout.WIDE_TABLE_SIZE, False, 0.0),
        (layout.TEXT_WIDTH_LANDSCAPE, layout.WIDE_TABLE_SIZE, True, 0.0),
    ):
        found = fit(table, width.pt, size.pt, margin, comfort)
        if found is not None:
            return landscape, found
    return True, None


def _paragraph(doc: DocxDocument, text: str, style: str):
    """A paragraph in a template style; runs name the style's font (WPS reads run fonts)."""
    ids = _template()[1]
    paragraph = doc.add_paragraph()
    paragraph._p.get_or_add_pPr().style = ids[style]  # by id: python-docx's lookup by name is slow
    _runs(paragraph, text, style)
    return paragraph


@lru_cache(maxsize=32)
def _run_prototype(font: str, whole: bool):
    """A ``w:r`` in ``font`` (Latin language for a span kept whole), copied for every run."""
    run = OxmlElement("w:r")
    set_font(run, font)
    if whole:
        set_language(run, "en-US", "en-US")
    text = OxmlElement("w:t")
    text.set(qn("xml:space"), "preserve")
    run.append(text)
    return run


def _runs(paragraph, text: str, style: str) -> None:
    """``text`` as runs in the style's font, spans that must stay whole in runs of their own.

    Copies of a prototype run: python-docx's run proxies cost ~0.1 ms per run.
    """
    font = _template()[2][style]
    for part, whole in spans(text):
        run = copy.deepcopy(_run_prototype(font, whole))
        run.find(qn("w:t")).text = joined(part) if whole else part
        paragraph._p.append(run)


def _table(doc: DocxDocument, table: Table, landscape: bool, sized: Fit | None) -> None:
    if table.caption:
        _paragraph(doc, table.caption, CAPTION_STYLE)
    if sized is None:
        width = layout.TEXT_WIDTH_LANDSCAPE if landscape else layout.TEXT_WIDTH_PORTRAIT
        build_table(doc, table, _fallback_widths(table, width), layout.WIDE_TABLE_SIZE)
        return
    widths = [Length(Pt(w)) for w in sized.widths]
    build_table(doc, table, widths, Pt(sized.size), sized.lines)


def _title(doc: DocxDocument, document: Document) -> None:
    """The title, with a line break (``w:br``) between its lines."""
    lines = document.title_lines or (document.title,)
    paragraph = _paragraph(doc, lines[0], TITLE_STYLE)
    for line in lines[1:]:
        paragraph.runs[-1].add_break()
        _runs(paragraph, line, TITLE_STYLE)


def _draft_headers(doc: DocxDocument, mark: str) -> None:
    """The draft mark in the odd- and even-page header of every section."""
    ids, fonts = _template()[1], _template()[2]
    for section in doc.sections:
        for header in (section.header, section.even_page_header):
            header.is_linked_to_previous = False
            paragraph = header.paragraphs[0]
            paragraph._p.get_or_add_pPr().style = ids[DRAFT_STYLE]
            run = paragraph.add_run(mark)
            set_font(run._r, fonts[DRAFT_STYLE])


#: Core properties hold at most 255 characters (python-docx refuses more).
CORE_PROPERTY_MAX = 255


def _properties(doc: DocxDocument, document: Document) -> None:
    """Core properties of the published file: the organ as author, real dates, the title.

    A title or organ built from an overlong 机关名称 is shortened here, never in the text."""
    props = doc.core_properties
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    org = document.org[:CORE_PROPERTY_MAX]
    props.title, props.author, props.last_modified_by = document.title[:CORE_PROPERTY_MAX], org, org
    props.created = props.modified = now
    props.language = "zh-CN"


def write_docx(document: Document, path: Path) -> Path:
    """Render ``document`` to ``path``."""
    doc = docx.Document(io.BytesIO(_template()[0]))
    _properties(doc, document)
    if document.notice:
        _paragraph(doc, document.notice, NOTICE_STYLE)
    _title(doc, document)
    _paragraph(doc, document.opening, BODY_STYLE)
    for section in document.sections:
        # a part whose table is too wide for portrait gets its own landscape pages, heading included
        fits = {id(b): _fit(b) for b in section.blocks if isinstance(b, Table)}
        landscape = any(wide for wide, _ in fits.values())
        if landscape:
            page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=True)
        _paragraph(doc, section.heading, HEADING_STYLE)
        for block in section.blocks:
            if isinstance(block, Table):
                _table(doc, block, landscape, fits[id(block)][1])
            elif isinstance(block, Paragraph):
                _paragraph(doc, block.text, SUBHEADING_STYLE if block.subheading else BODY_STYLE)
        if landscape:
            page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=False)
    if document.draft_mark:
        _draft_headers(doc, document.draft_mark)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
