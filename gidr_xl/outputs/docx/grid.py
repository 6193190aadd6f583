"""A merged table built in one pass over its cells (no ``table.cell(r, c)`` lookups).

python-docx recomputes the whole grid on every ``table.cell()`` call, which is quadratic for
tables like 表三 (tooling-notes.md). Here the row XML is rewritten once: spans become
``w:gridSpan`` / ``w:vMerge`` directly and each visible cell is filled from one snapshot.
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell

from gidr_xl.outputs.document import GridCell, Table
from gidr_xl.outputs.docx import layout
from gidr_xl.outputs.docx.fonts import set_font


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


def _v_align(tc) -> None:
    valign = OxmlElement("w:vAlign")
    valign.set(qn("w:val"), "center")
    tc.get_or_add_tcPr().append(valign)


def _fill(cell: _Cell, spec: GridCell, size: Length, bold: bool) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = paragraph.paragraph_format
    fmt.first_line_indent, fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(0), Pt(0), 1.0
    run = paragraph.add_run(spec.text)
    run.font.name = layout.TABLE_FONT
    run.font.size = size
    run.font.bold = bold
    set_font(run._r, layout.TABLE_FONT)


def build_table(doc: DocxDocument, table: Table, widths: list[Length], size: Length) -> DocxTable:
    """Append ``table`` to ``doc`` with its merges, widths, header rows and fonts."""
    out = doc.add_table(rows=table.n_rows, cols=table.n_cols)
    out.style = "Table Grid"
    out.alignment = WD_TABLE_ALIGNMENT.CENTER
    out.autofit = False
    for col, width in zip(out._tbl.tblGrid.gridCol_lst, widths, strict=True):
        col.w = width
    _cell_margins(out, layout.TABLE_CELL_MARGIN)
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
            if span > 1:
                tc.grid_span = span
            tc.width = sum(widths[c : c + span], Length(0))
            _v_align(tc)
            if spec is not None and spec.rowspan > 1:
                tc.vMerge = "restart" if spec.row == r else "continue"
            if spec is not None and spec.row == r and spec.col == c:
                _fill(_Cell(tc, out), spec, size, bold=spec.header and r < table.header_rows)
            c += span
    return out
