"""The hidden ``_meta`` sheet: the one module that knows its layout.

Columns A and B hold key/value pairs (which format and template made the workbook, last year's
workbook chosen in the add-in); columns D–I hold the record of the cells the last validation
marked (what they looked like before, digests of the mark), so the next run can put them back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from gidr_xl.access import BookAccess, Grid, Look
from gidr_xl.errors import UnusableWorkbookError
from gidr_xl.model import FormatSpec
from gidr_xl.spec.layout import META_SHEET
from gidr_xl.version import TEMPLATE_VERSION, __version__

#: Where the key/value pairs live: read first to know which format (so which cells) to read.
META_EXTENT = {META_SHEET: (2, 50)}
FORMAT_KEY = "format"
SPEC_HASH_KEY = "spec_sha256"
GENERATOR_KEY = "generator"
#: Last year's workbook for the cross-year checks (the add-in asks once and remembers it here).
PRIOR_KEY = "prior_workbook"
PRIOR_DECLINED = "（不核对）"

#: The record of marked cells: a header row, then one row per cell: cell, fill before, note
#: before, note author before, fill after, note after (as digests).
RECORD_COLUMN = 4  # D
RECORD_HEADER = ["marked_cell", "fill_before", "note_before", "author_before", "fill_after", "note_after"]
MAX_RECORDED = 5000
_TEXT = "t:"  # prefix of every recorded text: Excel would turn "=…" into a formula, "12" into a number


def metadata(spec: FormatSpec) -> list[tuple[str, str]]:
    """The key/value pairs a new workbook carries."""
    return [
        (GENERATOR_KEY, f"gidr-xl {__version__}"),
        (FORMAT_KEY, spec.id),
        ("format_name", spec.name),
        ("template_version", TEMPLATE_VERSION),
        (SPEC_HASH_KEY, spec.sha256),
        ("created", dt.date.today().isoformat()),
    ]


def read_meta(cells: Grid, name: str) -> dict[str, str]:
    """Key/value pairs of the metadata sheet; refuses workbooks that are not ours."""
    meta = {}
    for row in range(1, META_EXTENT[META_SHEET][1] + 1):
        key = cells.get((META_SHEET, f"A{row}"))
        if key is not None:
            value = cells.get((META_SHEET, f"B{row}"))
            meta[str(key)] = "" if value is None else str(value)
    if not meta:
        raise UnusableWorkbookError(
            f"文件 {name} 不是 gidr-xl 生成的年报工作簿（缺少元数据工作表）。请用 gidr new 生成模板，填写后再校验。"
        )
    return meta


def remember(book: BookAccess, meta_cells: Grid, key: str, value: str) -> None:
    """Write ``key = value`` into the metadata (its own row, reused next time)."""
    keys = {
        int(a[1:]): v for (sheet, a), v in meta_cells.items() if sheet == META_SHEET and a.startswith("A")
    }
    row = next((r for r, v in keys.items() if v == key), max(keys, default=0) + 1)
    book.write_cell(META_SHEET, f"A{row}", key)
    book.write_cell(META_SHEET, f"B{row}", value)


def _text(value: str | None) -> str | None:
    return None if value is None else _TEXT + value


def _untext(value: object) -> str | None:
    return value[len(_TEXT) :] if isinstance(value, str) and value.startswith(_TEXT) else None


def read_marks(book: BookAccess) -> list[tuple[str, Look, str, str]] | None:
    """(cell, look before the mark, fill digest after, note digest after) of the previous run;
    None when the workbook was never marked by a version that keeps the record."""
    header, *listed = book.read_column(META_SHEET, "D", 1, MAX_RECORDED + 1)
    if header != RECORD_HEADER[0]:
        return None
    count = next((i for i, v in enumerate(listed) if v is None), len(listed))
    if count == 0:
        return []
    width = RECORD_COLUMN + len(RECORD_HEADER) - 1
    grid = book.read({META_SHEET: (width, count + 1)})
    out = []
    for row in range(2, count + 2):
        cells = [grid.get((META_SHEET, f"{chr(64 + RECORD_COLUMN + i)}{row}")) for i in range(6)]
        ref = _untext(cells[0])
        if ref and "!" in ref:
            before = Look(_untext(cells[1]) or "", _untext(cells[2]), _untext(cells[3]) or "")
            out.append((ref, before, _untext(cells[4]) or "", _untext(cells[5]) or ""))
    return out


def write_marks(book: BookAccess, marks: Sequence[tuple[str, Look, str, str]], old_count: int) -> None:
    """Replace the record with ``marks`` (cell, look before, digests after), blanking the rows
    of a longer previous record."""
    rows: list[list[object]] = [
        [_text(v) for v in (ref, before.fill, before.note, before.author)] + [_text(fill), _text(note)]
        for ref, before, fill, note in marks
    ]
    blank: list[list[object]] = [[None] * len(RECORD_HEADER)] * max(0, old_count - len(rows))
    book.write_rows(META_SHEET, 1, RECORD_COLUMN, [list(RECORD_HEADER), *rows, *blank])
