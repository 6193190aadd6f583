""".xlsx → :class:`~gidr_xl.report.Report`: input cells only, with structure checks.

Check formulas and their cached results are never read; formulas typed into input cells are
recomputed (reader/formula_inputs.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl.utils.datetime import to_excel

import gidr_xl.findings as F
from gidr_xl.access import BookAccess, Grid
from gidr_xl.access.meta import FORMAT_KEY, GENERATOR_KEY, META_EXTENT, SPEC_HASH_KEY, read_meta
from gidr_xl.addresses import top_left
from gidr_xl.errors import SpecError, UnusableWorkbookError
from gidr_xl.findings import Finding, FindingCell
from gidr_xl.model import CellId, CellType, FormatSpec, Position
from gidr_xl.opening import Package, open_checked
from gidr_xl.reader.cells import XlsxCells
from gidr_xl.reader.integrity import check_formula_findings
from gidr_xl.report import Report
from gidr_xl.spec.compiled import CompiledFormat
from gidr_xl.spec.layout import DETAIL_SHEET
from gidr_xl.spec.loader import load_format
from gidr_xl.values import ExcelError, display, number_problem


def _normal(text: object) -> str:
    return "".join(str(text).split()) if text is not None else ""


def _structure(spec: FormatSpec, grid: Grid, missing: set[str]) -> list[Finding]:
    out = [Finding.of(F.STRUCTURE_SHEET, sheet=sheet) for sheet in sorted(missing)]
    for table in spec.tables:
        if table.sheet in missing:
            continue
        for lab in table.labels:
            where = top_left(lab.span)
            actual = grid.get((table.sheet, where))
            if _normal(actual) != _normal(lab.text):
                at = Position(table.sheet, where)
                out.append(
                    Finding.of(
                        F.STRUCTURE_LABEL,
                        anchor=at,
                        ref=at.ref,
                        expected=lab.text,
                        actual=actual,
                        cells=(FindingCell(at, "", actual),),
                    )
                )
    return out


def _values(spec: FormatSpec, grid: Grid) -> tuple[dict[CellId, object], list[Finding]]:
    from gidr_xl.reader.formula_inputs import evaluate

    values: dict[CellId, object] = {}
    formulas_typed: dict[tuple[str, str], str] = {}
    for cell in spec.inputs:
        raw = grid.get((cell.sheet, cell.address))
        if isinstance(raw, dt.datetime | dt.date | dt.time):
            # an explicit date (t="d") in a cell that counts or sums is a mistake, not a number:
            # it stays text, so the numeric rule names it
            raw = str(raw) if cell.type.numeric else to_excel(raw)
        if isinstance(raw, str) and raw.startswith("=") and cell.type.numeric:
            formulas_typed[(cell.sheet, cell.address)] = raw
        values[cell.id] = raw
    notes: list[Finding] = []
    if formulas_typed:
        plain = {k: v for k, v in grid.items() if k not in formulas_typed}
        computed = evaluate(formulas_typed, plain)
        for (sheet, address), why in computed.refused.items():
            at = Position(sheet, address)
            notes.append(
                Finding.of(
                    F.FORMULA_INPUT,
                    anchor=at,
                    ref=at.ref,
                    why=why,
                    cells=(FindingCell(at, "", formulas_typed[(sheet, address)]),),
                )
            )
        for cell in spec.inputs:
            key = (cell.sheet, cell.address)
            if key in formulas_typed:
                values[cell.id] = computed.values.get(key, formulas_typed[key])
    return values, notes + _out_of_range(spec, values)


#: Cells that count things: beyond 2**53 a count is no longer held exactly.
_INTEGRAL = frozenset({CellType.COUNT, CellType.SIGNED, CellType.YEAR})


def _out_of_range(spec: FormatSpec, values: dict[CellId, object]) -> list[Finding]:
    """Numbers Excel cannot hold (NaN, infinities, beyond ±9.99E+307, counts beyond 2**53) become
    a finding each and the value ``#NUM!``, so that nothing downstream computes with them."""
    out = []
    for cell in spec.inputs:
        value = values.get(cell.id)
        problem = number_problem(value, integral=cell.type in _INTEGRAL)
        if problem is None:
            continue
        shown = display(value)
        out.append(
            Finding.of(
                F.NUMBER_RANGE,
                anchor=cell.position,
                ref=cell.ref,
                label=cell.label,
                problem=problem,
                cells=(FindingCell(cell.position, str(cell.id), shown),),
                actual=shown,
            )
        )
        values[cell.id] = ExcelError("#NUM!")
    return out


def report_from_cells(meta_cells: Grid, grid: Grid, sheets: list[str], source: str) -> Report:
    """Assemble the report from raw cell contents, however they were read (file or live Excel)."""
    meta = read_meta(meta_cells, source)
    spec = spec_of(meta, source)
    missing = {s for s in spec.sheets if s not in sheets}
    read_findings = _structure(spec, grid, missing)
    if not read_findings:  # with tables restructured, every check cell has moved as well
        read_findings += check_formula_findings(spec, grid)
    if meta.get(SPEC_HASH_KEY) and meta[SPEC_HASH_KEY] != spec.sha256:
        read_findings.append(
            Finding.of(F.TEMPLATE_OUTDATED, generator=meta.get(GENERATOR_KEY, "旧版 gidr-xl"))
        )
    values, notes = _values(spec, grid)
    return Report(spec=spec, values=values, source=source, read_findings=read_findings + notes)


def read_book(book: BookAccess) -> Report:
    """Read a workbook through the access layer (live Excel, or a file loaded for marking):
    the same cells and the same checks as :func:`read_package`, one bulk read per sheet."""
    meta_cells = book.read(META_EXTENT)
    spec = spec_of(read_meta(meta_cells, book.source), book.source)
    grid = book.read(spec.read_extent)
    return report_from_cells(meta_cells, grid, book.sheet_names(), book.source)


def read_report(path: Path) -> Report:
    """Read a returned workbook; raises UnusableWorkbookError for files that are not ours."""
    return read_package(open_checked(path))


def read_package(package: Package) -> Report:
    """Read a workbook that passed the gate (:func:`~gidr_xl.opening.open_checked`):
    what the server or any caller holding checked members uses, so nothing is opened twice."""
    name = package.source
    try:
        with XlsxCells(package) as book:
            meta_cells = book.read(META_EXTENT)
            spec = spec_of(read_meta(meta_cells, name), name)
            grid = book.read(spec.read_extent, formulas_only=frozenset({DETAIL_SHEET}))
            sheets = book.sheet_names
    except UnusableWorkbookError:
        raise
    except Exception as exc:  # lxml, int(), IndexError … on parts that are well formed but wrong
        raise UnusableWorkbookError(
            f"无法读取文件 {name}：工作簿内部结构有误（{type(exc).__name__}）。请用 Excel 或 WPS 打开后重新保存。"
        ) from None
    return report_from_cells(meta_cells, grid, sheets, name)


def spec_of(meta: dict[str, str], path: str) -> CompiledFormat:
    """The format a workbook declares in its metadata."""
    fid = meta.get(FORMAT_KEY, "")
    try:
        return load_format(fid)
    except SpecError:
        raise UnusableWorkbookError(
            f"文件 {path} 的格式版本“{fid}”无法识别（支持 gb2019、gb2021）。请用本工具的 gidr new 重新生成模板。"
        ) from None
