"""Neutral document → one standalone, accessible HTML page (real tables, no pictures).

The markup lives in gidr_xl/data/html/report.html.j2 (Jinja2, autoescaped).
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from gidr_xl.outputs.document import Document, GridCell, Table
from gidr_xl.outputs.nobreak import spans
from gidr_xl.outputs.words import keeps_words, words
from gidr_xl.version import __version__


def rows(table: Table) -> list[list[GridCell]]:
    """Visible cells grouped by the row they start in (what <tr> needs with rowspan/colspan)."""
    out: list[list[GridCell]] = [[] for _ in range(table.n_rows)]
    for cell in table.cells:
        out[cell.row].append(cell)
    return [sorted(r, key=lambda c: c.col) for r in out]


def scope(table: Table, cell: GridCell) -> str:
    """<th scope>: header-row labels head columns, the others head their row."""
    if cell.row < table.header_rows:
        return "colgroup" if cell.colspan > 1 else "col"
    return "rowgroup" if cell.rowspan > 1 else "row"


#: A date may wrap after 年 or 月 on a narrow screen (2019年 / 12月31日), never inside a number.
_DATE_PART = re.compile(r"(?<=[年月])(?=\d)")


def nobreak(text: str) -> Markup:
    """Text with numbers, phone and document numbers in ``<span class="nb">`` (nowrap)."""
    out = []
    for part, whole in spans(text):
        if whole:
            out.extend(Markup('<span class="nb">%s</span>') % piece for piece in _DATE_PART.split(part))
        else:
            out.append(escape(part))
    return Markup("").join(out)


def label(table: Table, cell: GridCell) -> Markup:
    """A label cell's text with ``<wbr>`` between its words (the cell breaks only there)."""
    return Markup("<wbr>").join(escape(w) for w in words(cell.text))


def keep_words(table: Table, cell: GridCell) -> bool:
    return keeps_words(cell.text, cell.row < table.header_rows)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("gidr_xl", "data/html"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        rows=rows, scope=scope, label=label, keep_words=keep_words, generator=f"gidr-xl {__version__}"
    )
    env.filters["nobreak"] = nobreak
    return env


def render_html(document: Document) -> str:
    return _environment().get_template("report.html.j2").render(doc=document)


def write_html(document: Document, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(document), encoding="utf-8")
    return path
