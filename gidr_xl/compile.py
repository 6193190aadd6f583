"""Validated workbook → the published report files (.docx, optionally .pdf and .html).

Library entry point shared by the CLI, the add-in and the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gidr_xl.errors import FailedValidationError, UnusableWorkbookError
from gidr_xl.office import PDF_EXPORT, convert
from gidr_xl.outputs.document import build_document
from gidr_xl.outputs.docx.writer import write_docx
from gidr_xl.outputs.html import write_html
from gidr_xl.paths import refuse_overwrite
from gidr_xl.reader.workbook import read_report
from gidr_xl.validate.validator import Result, validate

#: Why nothing was written for a workbook with errors, and how to get a draft anyway.
NOT_VALID = (
    "校验未通过，未生成报告。请修改后重新运行；如需核对稿，可加 --force（报告顶部将注明“未通过校验”）。"
)


@dataclass
class Outputs:
    docx: Path
    pdf: Path | None = None
    html: Path | None = None
    written: list[Path] = field(default_factory=list)


def planned_outputs(docx: Path, pdf: bool, html: bool) -> Outputs:
    return Outputs(
        docx, docx.with_suffix(".pdf") if pdf else None, docx.with_suffix(".html") if html else None
    )


def failure_notice(result: Result) -> str:
    return (
        f"【未通过校验】本报告仍有 {result.errors} 项错误未改正，系强制生成的核对稿，不得作为正式报告发布。"
    )


def compile_report(result: Result, outputs: Outputs, force: bool = False, overwrite: bool = False) -> Outputs:
    """Write the report files; refuses (without writing) on errors unless ``force``.

    Raises :class:`FailedValidationError` (carrying ``result``) for a workbook with errors,
    :class:`UnusableWorkbookError` for a restructured one and :class:`OutputExistsError` for an
    existing output without ``overwrite``."""
    if not result.ok and not force:
        raise FailedValidationError(NOT_VALID, result)
    if result.report.structure_broken:
        raise UnusableWorkbookError(
            "工作簿的表格结构已被修改，无法生成报告。请用 gidr new 重新生成模板并填写。"
        )
    refuse_overwrite(
        *(p for p in (outputs.docx, outputs.pdf, outputs.html) if p is not None), overwrite=overwrite
    )
    document = build_document(result.report, notice=None if result.ok else failure_notice(result))
    outputs.written.append(write_docx(document, outputs.docx))
    if outputs.pdf is not None:
        outputs.written.extend(convert([outputs.docx], PDF_EXPORT, outputs.docx.parent))
    if outputs.html is not None:
        outputs.written.append(write_html(document, outputs.html))
    return outputs


def compile_workbook(
    source: Path,
    output: Path | None = None,
    *,
    pdf: bool = False,
    html: bool = False,
    force: bool = False,
    overwrite: bool = False,
) -> tuple[Result, Outputs]:
    """Read and validate the workbook ``source``, then write its report files.

    ``output`` is the .docx (default: beside ``source``); the .pdf and .html go beside it.
    Refuses as :func:`compile_report` does."""
    result = validate(read_report(source))
    outputs = planned_outputs(output or source.with_suffix(".docx"), pdf, html)
    return result, compile_report(result, outputs, force=force, overwrite=overwrite)
