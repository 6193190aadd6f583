"""Validate a workbook file, or validate it and save a marked copy (never the original).

Both read the file through the gated reader, so they refuse the same files and find the same
findings; openpyxl, behind the same gate, only writes the marks of the copy.
"""

from __future__ import annotations

from pathlib import Path

from gidr_xl.errors import UsageError
from gidr_xl.paths import refuse_overwrite
from gidr_xl.reader.workbook import read_report
from gidr_xl.validate.validator import Result, validate


def validate_file(path: Path, prior: Path | None = None) -> Result:
    """The findings of the workbook ``path`` (checked against last year's workbook ``prior``)."""
    last = read_report(prior) if prior is not None else None
    return validate(read_report(path), last)


def annotate_copy(source: Path, out: Path, prior: Path | None = None, overwrite: bool = False) -> Result:
    """Validate ``source`` exactly as :func:`validate_file` does, then save it marked as ``out``."""
    from gidr_xl.access.openpyxl_book import OpenpyxlBook
    from gidr_xl.outputs.annotate import annotate

    last = read_report(prior) if prior is not None else None
    if out.resolve() == source.resolve():
        raise UsageError("--annotate 的输出文件不能是被校验的工作簿本身，请另取文件名。")
    refuse_overwrite(out, overwrite=overwrite)
    result = validate(read_report(source), last)
    book = OpenpyxlBook(source)
    annotate(book, result)
    book.save_as(out)
    return result
