"""Synthetic published reports: our compiled samples flattened into the layouts seen in the wild.

Every layout is produced from the same neutral document (gidr_xl.outputs.document), so the
truth is known cell by cell and the importer's accuracy can be measured.
"""

from __future__ import annotations

import random

from gidr_xl.outputs.document import Document, Table


def _rows(table: Table) -> list[list[str]]:
    rows: list[list[str]] = [[] for _ in range(table.n_rows)]
    for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
        rows[cell.row].append(cell.text)
    return rows


def _numeric(text: str) -> bool:
    return text.replace(".", "", 1).isdigit()


def render(document: Document, table_row, heading=lambda h: h, rng: random.Random | None = None) -> str:
    """Plain text: title, opening, headings, paragraphs; tables through ``table_row``."""
    lines = [document.title, document.opening]
    for section in document.sections:
        lines.append(heading(section.heading))
        for block in section.blocks:
            if isinstance(block, Table):
                for row in _rows(block):
                    lines.extend(table_row(block, row, rng))
            else:
                lines.append(block.text)
    return "\n".join(lines) + "\n"


def one_per_line(table: Table, row: list[str], rng) -> list[str]:
    """Like the Jianghai text: one cell per line, with a blank line between rows."""
    return [*row, ""]


def row_per_line(table: Table, row: list[str], rng) -> list[str]:
    """A row on one line, cells separated by tabs or runs of spaces."""
    return [rng.choice(["\t", "  ", "   "]).join(row)]


def run_together(table: Table, row: list[str], rng) -> list[str]:
    """Numbers of table 三 and 四 rows run together after the label, as text flattened from HTML."""
    numbers = [t for t in row if _numeric(t)]
    labels = [t for t in row if not _numeric(t)]
    if table.key in ("T3", "T4") and len(numbers) >= 5:
        # A stray blank between two cells, as in the wild ("1400000 14"); the real corpus shows
        # blanks only at cell boundaries (checked against page.html), never inside a number.
        cut = rng.randrange(1, len(numbers))
        spaced = "".join(numbers[:cut]) + " " + "".join(numbers[cut:])
        return ["".join(labels[-1:]) + spaced] if labels else [spaced]
    return [" ".join(row)]


def fully_run_together(table: Table, row: list[str], rng) -> list[str]:
    """Like ``run_together`` without any blank: only the tables' arithmetic can split the digits."""
    numbers = [t for t in row if _numeric(t)]
    labels = [t for t in row if not _numeric(t)]
    if table.key in ("T3", "T4") and len(numbers) >= 5:
        return ["".join(labels[-1:]) + "".join(numbers)]
    return [" ".join(row)]


HEADING_VARIANTS = {
    "四、政府信息公开行政复议、行政诉讼情况": "4、 政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况": "五、政府信息公开工作存在的主要问题及改进情况",
}
LABEL_VARIANTS = {
    "对外公开总数量": "对外公开总数",
    "2.其他法律行政法规禁止公开": "2.其他法律 行政法规禁止公开",
    "（一）予以公开": "(一)予以公开",
    "（七）总计": "(七)总计",
    "三、本年度办理结果": "0三、本年度办理结果",
}


def variant_row(table: Table, row: list[str], rng) -> list[str]:
    return [LABEL_VARIANTS.get(t, t) for t in row] + [""]


LAYOUTS = {
    "one-per-line": (one_per_line, lambda h: h),
    "row-per-line": (row_per_line, lambda h: h),
    "run-together": (run_together, lambda h: h),
    "label-and-heading-variants": (variant_row, lambda h: HEADING_VARIANTS.get(h, h)),
}
