"""Validated workbook → the published report files (.docx, optionally .pdf and .html).

Library entry point shared by the CLI, the add-in and the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gidr_xl.errors import UnusableWorkbookError, UsageError
from gidr_xl.office import PDF_EXPORT, convert
from gidr_xl.outputs.document import build_document
from gidr_xl.outputs.docx.writer import write_docx
from gidr_xl.outputs.html import write_html
from gidr_xl.validate.validator import Result


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
    """Write the report files; refuses (without writing) on errors unless ``force``."""
    if result.report.structure_broken:
        raise UnusableWorkbookError(
            "工作簿的表格结构已被修改，无法生成报告。请用 gidr new 重新生成模板并填写。"
        )
    if not result.ok and not force:
        raise UsageError("校验未通过，未生成报告。")
    targets = [p for p in (outputs.docx, outputs.pdf, outputs.html) if p is not None]
    existing = [str(p) for p in targets if p.exists()]
    if existing and not overwrite:
        raise UsageError(
            f"输出文件已存在：{'、'.join(existing)}。为避免覆盖，请换一个文件名，或加 --overwrite 覆盖。"
        )
    document = build_document(result.report, notice=None if result.ok else failure_notice(result))
    outputs.written.append(write_docx(document, outputs.docx))
    if outputs.pdf is not None:
        outputs.written.extend(convert([outputs.docx], PDF_EXPORT, outputs.docx.parent))
    if outputs.html is not None:
        outputs.written.append(write_html(document, outputs.html))
    return outputs
