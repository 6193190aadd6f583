""".xlsx → :class:`~gidr_xl.report.Report`: input cells only, with structure checks.

Check formulas and their cached results are never read; formulas typed into input cells are
recomputed (reader/formula_inputs.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.workbook import Workbook

from gidr_xl.errors import SpecError, UnusableWorkbookError
from gidr_xl.model import CellId, FormatSpec, Severity
from gidr_xl.reader.opening import open_workbook
from gidr_xl.report import Report
from gidr_xl.spec.addresses import cell_at, parse_span, split_address, top_left
from gidr_xl.spec.loader import load_format
from gidr_xl.template.layout import META_SHEET
from gidr_xl.validate import findings as F
from gidr_xl.validate.findings import Finding, FindingCell

Grid = dict[tuple[str, str], object]


def _meta(wb: Workbook, name: str) -> dict[str, str]:
    if META_SHEET not in wb.sheetnames:
        raise UnusableWorkbookError(
            f"文件 {name} 不是 gidr-xl 生成的年报工作簿（缺少元数据工作表）。请用 gidr new 生成模板，填写后再校验。"
        )
    meta = {}
    for row in wb[META_SHEET].iter_rows(min_row=1, max_row=50, max_col=2, values_only=True):
        if row and row[0] is not None:
            meta[str(row[0])] = "" if row[1] is None else str(row[1])
    return meta


def _grid(wb: Workbook, spec: FormatSpec) -> tuple[Grid, set[str]]:
    """Values of every cell the spec knows about (labels and inputs), read sheet by sheet."""
    wanted: dict[str, tuple[int, int]] = {}
    for cell in spec.inputs:
        col, row = split_address(cell.address)
        c, r = wanted.get(cell.sheet, (0, 0))
        wanted[cell.sheet] = (max(c, col), max(r, row))
    for table in spec.tables:
        for lab in table.labels:
            _, _, col, row = parse_span(lab.span)
            c, r = wanted.get(table.sheet, (0, 0))
            wanted[table.sheet] = (max(c, col), max(r, row))
    grid: Grid = {}
    missing = set()
    for sheet, (max_col, max_row) in wanted.items():
        if sheet not in wb.sheetnames:
            missing.add(sheet)
            continue
        for r, row in enumerate(wb[sheet].iter_rows(min_row=1, max_row=max_row, max_col=max_col, values_only=True), 1):
            for c, value in enumerate(row, 1):
                if value is not None:
                    grid[(sheet, cell_at(c, r))] = value
    return grid, missing


def _normal(text: object) -> str:
    return "".join(str(text).split()) if text is not None else ""


def _structure(spec: FormatSpec, grid: Grid, missing: set[str]) -> list[Finding]:
    out = [
        Finding(F.STRUCTURE_SHEET, Severity.ERROR, "缺少工作表", f"工作簿缺少工作表“{sheet}”，无法校验。")
        for sheet in sorted(missing)
    ]
    for table in spec.tables:
        if table.sheet in missing:
            continue
        for lab in table.labels:
            where = top_left(lab.span)
            actual = grid.get((table.sheet, where))
            if _normal(actual) != _normal(lab.text):
                out.append(
                    Finding(
                        F.STRUCTURE_LABEL,
                        Severity.ERROR,
                        "表格结构被修改",
                        f"{table.sheet}!{where} 应为“{lab.text}”，实际为“{'' if actual is None else actual}”。"
                        "表格的行、列和表头必须与国家统一格式一致，请勿插入、删除、移动行列或修改表头；"
                        "请用 gidr new 重新生成模板并填写。",
                        cells=(FindingCell(f"{table.sheet}!{where}", "", actual),),
                        expected=lab.text,
                        actual=actual,
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
            raw = to_excel(raw)
        if isinstance(raw, str) and raw.startswith("=") and cell.type.numeric:
            formulas_typed[(cell.sheet, cell.address)] = raw
        values[cell.id] = raw
    notes: list[Finding] = []
    if formulas_typed:
        plain = {k: v for k, v in grid.items() if k not in formulas_typed}
        try:
            computed = evaluate(formulas_typed, plain)
        except Exception as exc:  # noqa: BLE001 - a formula formulas cannot parse
            computed = {}
            notes.append(
                Finding(F.FORMULA_INPUT, Severity.ERROR, "公式无法计算", f"填报单元格中的公式无法计算（{type(exc).__name__}），请改为直接填写数字。",
                        cells=tuple(FindingCell(f"{s}!{a}", "", t) for (s, a), t in formulas_typed.items()))
            )
        for cell in spec.inputs:
            key = (cell.sheet, cell.address)
            if key in formulas_typed:
                values[cell.id] = computed.get(key, formulas_typed[key])
    return values, notes


def read_report(path: Path) -> Report:
    """Read a returned workbook; raises UnusableWorkbookError for files that are not ours."""
    wb = open_workbook(path)
    try:
        meta = _meta(wb, str(path))
        fid = meta.get("format", "")
        try:
            spec = load_format(fid)
        except SpecError:
            raise UnusableWorkbookError(
                f"文件 {path} 的格式版本“{fid}”无法识别（支持 gb2019、gb2021）。请用本工具的 gidr new 重新生成模板。"
            ) from None
        grid, missing = _grid(wb, spec)
    finally:
        wb.close()
    read_findings = _structure(spec, grid, missing)
    if meta.get("spec_sha256") and meta["spec_sha256"] != spec.sha256:
        read_findings.append(
            Finding(F.TEMPLATE_OUTDATED, Severity.WARNING, "模板版本与当前规范不同",
                    f"该工作簿由 {meta.get('generator', '旧版 gidr-xl')} 生成，其格式规范与当前版本不同；"
                    "校验按当前规范进行，如有结构错误请用 gidr new 重新生成模板。")
        )
    values, notes = _values(spec, grid)
    return Report(spec=spec, values=values, source=str(path), read_findings=read_findings + notes)
