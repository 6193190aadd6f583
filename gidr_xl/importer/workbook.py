"""An imported report → our workbook, with a 导入来源 sheet (where each cell came from)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import Font

from gidr_xl.importer.parse import Imported, parse_lines
from gidr_xl.importer.sources import read_document
from gidr_xl.names import ORG_LONGEST, clean_name
from gidr_xl.paths import refuse_overwrite
from gidr_xl.template.writer import write_workbook
from gidr_xl.validate.validator import Result, validate

PROVENANCE_SHEET = "导入来源"


def import_report(path: Path, year: int | None = None, org: str | None = None) -> Imported:
    """Read a published report (.txt / .html / .docx / .pdf)."""
    org = clean_name(org, "机关名称", ORG_LONGEST) if org else org
    document = read_document(path)
    return parse_lines(document.lines, year=year, org=org, source=str(path), header=document.meta)


def write_imported(imported: Imported, out: Path) -> Path:
    report = imported.report
    write_workbook(report.spec, out, values=report.values)
    wb = load_workbook(out)
    ws = wb.create_sheet(PROVENANCE_SHEET, index=1)
    ws.append(["单元格", "内容", "值", "来源位置", "读取方式", "可信度"])
    for cell_id, source in imported.provenance.items():
        cell = report.spec.cell(cell_id)
        if cell.type.numeric:
            ws.append(
                [
                    cell.ref,
                    cell.label,
                    report.values.get(cell_id),
                    source.where,
                    source.how,
                    source.confidence,
                ]
            )
    ws.append([])
    for text in imported.unread:
        ws.append(["未读取", text])
    for text in imported.ambiguities:
        ws.append(["有歧义", text])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEF", (12, 50, 12, 22, 30, 8), strict=True):
        ws.column_dimensions[col].width = width
    wb.save(out)
    return out


def import_to_workbook(
    source: Path,
    out: Path | None = None,
    *,
    year: int | None = None,
    org: str | None = None,
    overwrite: bool = False,
) -> tuple[Imported, Path, Result]:
    """Import ``source``, write it as our workbook ``out`` (default: beside it) and validate it.

    An existing ``out`` is refused before anything is read, unless ``overwrite``."""
    out = out or source.with_suffix(".xlsx")
    refuse_overwrite(out, overwrite=overwrite)
    imported = import_report(source, year=year, org=org)
    write_imported(imported, out)
    return imported, out, validate(imported.report)
