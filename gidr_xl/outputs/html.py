"""Neutral document → one standalone, accessible HTML page (real tables, no pictures).

The markup lives in gidr_xl/data/html/report.html.j2 (Jinja2, autoescaped).
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from gidr_xl import __version__
from gidr_xl.outputs.document import Document, GridCell, Table


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


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("gidr_xl", "data/html"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(rows=rows, scope=scope, generator=f"gidr-xl {__version__}")
    return env


def render_html(document: Document) -> str:
    return _environment().get_template("report.html.j2").render(doc=document)


def write_html(document: Document, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(document), encoding="utf-8")
    return path
