"""Validate a workbook file, or validate it and save a marked copy (never the original).

Both read the file through the gated reader, so they refuse the same files and find the same
findings; openpyxl, behind the same gate, only writes the marks of the copy.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from gidr_xl.errors import UnusableWorkbookError, UsageError
from gidr_xl.model import CellId
from gidr_xl.opening import is_cell_part
from gidr_xl.paths import refuse_overwrite
from gidr_xl.reader.workbook import read_report
from gidr_xl.report import Report
from gidr_xl.validate.validator import Result, validate
from gidr_xl.values import display

#: Most characters a cell holds (Excel specifications and limits).
CELL_TEXT_MAX = 32767
#: Cell parts larger than this are not loaded into openpyxl for a faithful copy (a filled
#: template has well under 1 MB; openpyxl takes minutes on hundreds of MB): the copy is rebuilt.
MAX_COPIED = 64 * 1024 * 1024


def validate_file(path: Path, prior: Path | None = None) -> Result:
    """The findings of the workbook ``path`` (checked against last year's workbook ``prior``)."""
    last = read_report(prior) if prior is not None else None
    return validate(read_report(path), last)


@dataclass(frozen=True)
class MarkedCopy:
    """The validation of a workbook and where its marked copy went."""

    result: Result
    path: Path
    rebuilt: bool  # the file could not be copied as it is: the copy is the template with its values


def annotate_copy(source: Path, out: Path, prior: Path | None = None, overwrite: bool = False) -> MarkedCopy:
    """Validate ``source`` exactly as :func:`validate_file` does, then save it marked as ``out``.

    Our reader accepts files openpyxl cannot load or write back (odd but harmless parts); then
    the copy is rebuilt from the format's template with every value read, and marked the same."""
    from gidr_xl.access.openpyxl_book import OpenpyxlBook
    from gidr_xl.outputs.annotate import annotate

    last = read_report(prior) if prior is not None else None
    if out.resolve() == source.resolve():
        raise UsageError("--annotate 的输出文件不能是被校验的工作簿本身，请另取文件名。")
    refuse_overwrite(out, overwrite=overwrite)
    result = validate(read_report(source), last)
    try:
        if _cell_parts_size(source) > MAX_COPIED:
            raise UnusableWorkbookError("too large for openpyxl")  # minutes and gigabytes in openpyxl
        book = OpenpyxlBook(source)
        annotate(book, result)
        book.save_as(out)
        return MarkedCopy(result, out, rebuilt=False)
    except UnusableWorkbookError:
        book = OpenpyxlBook.in_memory(rebuilt_workbook(result.report), str(source))
        annotate(book, result)
        book.save_as(out)
        return MarkedCopy(result, out, rebuilt=True)


def _cell_parts_size(source: Path) -> int:
    """Inflated size of the worksheets and shared strings (from the zip directory: the file has
    passed the gate already)."""
    with zipfile.ZipFile(source) as zf:
        return sum(i.file_size for i in zf.infolist() if is_cell_part(i.filename))


def rebuilt_workbook(report: Report) -> Workbook:
    """The format's template holding every value of ``report`` (texts cleaned of characters a
    workbook cannot hold; a formula that could not be computed kept as its text)."""
    from gidr_xl.template.writer import build_workbook

    values: dict[CellId, object] = {}
    for cell_id, value in report.values.items():
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)[:CELL_TEXT_MAX]
        elif value is not None and not isinstance(value, int | float):
            value = display(value)
        values[cell_id] = value
    return build_workbook(report.spec, values=values)
