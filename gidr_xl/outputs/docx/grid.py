"""A merged table built in one pass over its cells (no ``table.cell(r, c)`` lookups).

python-docx recomputes the whole grid on every ``table.cell()`` call, which is quadratic for
tables like 表三 (tooling-notes.md). Here the row XML is rewritten once: spans become
``w:gridSpan`` / ``w:vMerge`` directly and each visible cell is filled from one snapshot.
"""

from __future__ import annotations

import copy

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.paragraph import CT_P
from docx.shared import Length, Pt
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from gidr_xl.outputs.document import GridCell, Table
from gidr_xl.outputs.docx import layout
from gidr_xl.outputs.docx.fonts import off_grid, set_font

#: Tables up to this many rows are kept on one page (``w:keepNext`` on all but the last row).
KEEP_TOGETHER_ROWS = 24

TABLE_STYLE_ID = "TableGrid"  # “Table Grid” in python-docx's default template


def _row_props(tr, header: bool) -> None:
    trpr = tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))  # a row never breaks across pages
    if header:
        trpr.append(OxmlElement("w:tblHeader"))  # header rows repeat on every page


def _cell_margins(table: DocxTable, margin: Length) -> None:
    """Narrow left/right cell margins so that 3-character headers fit 表三's data columns."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        node = OxmlElement(f"w:{side}")
        node.set(qn("w:w"), str(int(margin.twips)))
        node.set(qn("w:type"), "dxa")
        margins.append(node)
    table._tbl.tblPr.append(margins)


_TC_PROPS: dict[tuple[int, int, str | None], object] = {}


def _tc_props(tc, width: Length, span: int, vmerge: str | None) -> None:
    """Replace the cell's properties (a copy of a cached element per width/span/merge)."""
    old = tc.find(qn("w:tcPr"))
    if old is not None:
        tc.remove(old)
    key = (int(width), span, vmerge)
    if key not in _TC_PROPS:
        _TC_PROPS[key] = _new_tc_props(width, span, vmerge)
    tc.insert(0, copy.deepcopy(_TC_PROPS[key]))


def _new_tc_props(width: Length, span: int, vmerge: str | None):
    """Schema order: tcW, gridSpan, vMerge, vAlign."""
    props = OxmlElement("w:tcPr")
    tcw = OxmlElement("w:tcW")
    tcw.set(qn("w:w"), str(int(width.twips)))
    tcw.set(qn("w:type"), "dxa")
    props.append(tcw)
    if span > 1:
        grid_span = OxmlElement("w:gridSpan")
        grid_span.set(qn("w:val"), str(span))
        props.append(grid_span)
    if vmerge is not None:
        merge = OxmlElement("w:vMerge")
        merge.set(qn("w:val"), vmerge)
        props.append(merge)
    valign = OxmlElement("w:vAlign")
    valign.set(qn("w:val"), "center")
    props.append(valign)
    return props


def _prototype(size: Length, bold: bool) -> CT_P:
    """One centred table paragraph with a fully specified run, copied into every cell.

    Setting fonts through python-docx's proxies costs about 1 ms per cell; a deep copy of a
    ready-made element costs microseconds.
    """
    doc_p = OxmlElement("w:p")
    paragraph = Paragraph(doc_p, None)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = paragraph.paragraph_format
    fmt.first_line_indent, fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(0), Pt(0), 1.0
    off_grid(doc_p.get_or_add_pPr())
    run = paragraph.add_run("0")  # placeholder text, replaced in every copy
    run.font.name, run.font.size, run.font.bold = layout.TABLE_FONT, size, bold
    set_font(run._r, layout.TABLE_FONT)
    return doc_p


def _fill(tc, prototype: CT_P, text: str, lines: tuple[str, ...] | None = None) -> None:
    """The cell's one paragraph; ``lines`` become text separated by ``w:br``."""
    for old in tc.findall(qn("w:p")):
        tc.remove(old)
    paragraph = copy.deepcopy(prototype)
    run = paragraph.find(qn("w:r"))
    first = run.find(qn("w:t"))
    parts = lines or (text,)
    first.text = parts[0]
    for part in parts[1:]:
        run.append(OxmlElement("w:br"))
        node = OxmlElement("w:t")
        node.text = part
        run.append(node)
    tc.append(paragraph)


def build_table(
    doc: DocxDocument,
    table: Table,
    widths: list[Length],
    size: Length,
    lines: dict[tuple[int, int], tuple[str, ...]] | None = None,
) -> DocxTable:
    """Append ``table`` to ``doc`` with its merges, widths, header rows, fonts and label lines."""
    lines = lines or {}
    out = doc.add_table(rows=table.n_rows, cols=table.n_cols)
    out._tbl.tblPr.style = TABLE_STYLE_ID  # by id: python-docx's lookup by name is slow
    out.alignment = WD_TABLE_ALIGNMENT.CENTER
    out.autofit = False
    for col, width in zip(out._tbl.tblGrid.gridCol_lst, widths, strict=True):
        col.w = width
    _cell_margins(out, layout.TABLE_CELL_MARGIN)
    plain, bold = _prototype(size, bold=False), _prototype(size, bold=True)
    covering: dict[tuple[int, int], GridCell] = {}
    for cell in table.cells:
        for r in range(cell.row, cell.row + cell.rowspan):
            for c in range(cell.col, cell.col + cell.colspan):
                covering[(r, c)] = cell
    for r, tr in enumerate(out._tbl.tr_lst):
        _row_props(tr, header=r < table.header_rows)
        tcs = list(tr.tc_lst)
        c = 0
        while c < table.n_cols:
            tc = tcs[c]
            spec = covering.get((r, c))
            span = spec.colspan if spec is not None and spec.col == c else 1
            for extra in tcs[c + 1 : c + span]:
                tr.remove(extra)
            vmerge = None
            if spec is not None and spec.rowspan > 1:
                vmerge = "restart" if spec.row == r else "continue"
            _tc_props(tc, Length(sum(widths[c : c + span])), span, vmerge)
            if spec is not None and spec.row == r and spec.col == c:
                prototype = bold if spec.header and r < table.header_rows else plain
                _fill(tc, prototype, spec.text, lines.get((r, c)))
            c += span
    if table.n_rows <= KEEP_TOGETHER_ROWS:
        _keep_together(out)
    return out


def _keep_together(table: DocxTable) -> None:
    """Every row's paragraphs keep with the next row, so a short table is not split."""
    for tr in table._tbl.tr_lst[:-1]:
        for p in tr.iter(qn("w:p")):
            ppr = p.get_or_add_pPr()
            if ppr.find(qn("w:keepNext")) is None:
                ppr.insert(0, OxmlElement("w:keepNext"))
