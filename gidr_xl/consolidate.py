"""汇总: many organs' workbooks of one year and format → one consolidated workbook.

Tables 二/三/四 and the structured fee fields are summed cell by cell. A cell left blank (or
filled with text) in any source stays blank in the result, so that the consolidated workbook's
own validation reports it instead of silently summing it as 0. A provenance sheet lists every
source file with its organ, checksum and validation status.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import Font

from gidr_xl.errors import UsageError
from gidr_xl.model import CellId, CellType, FormatSpec
from gidr_xl.paths import refuse_overwrite
from gidr_xl.reader.workbook import read_report
from gidr_xl.report import Report
from gidr_xl.template.writer import write_workbook
from gidr_xl.validate.validator import Result, validate
from gidr_xl.values import display, is_number

PROVENANCE_SHEET = "汇总来源"
_DIGITS = {CellType.MONEY: 2, CellType.DECIMAL: 4}


@dataclass(frozen=True)
class Source:
    path: Path
    sha256: str
    report: Report
    result: Result


def summed_cells(spec: FormatSpec) -> list[CellId]:
    """Numeric cells that add up across organs: national tables and the fee fields."""
    cells = [c.id for t in spec.tables if not t.local for c in t.inputs]
    cells += [c.id for f in spec.forms if f.id != spec.roles.cover for c in f.fields if c.type.numeric]
    return cells


def load_sources(paths: list[Path]) -> list[Source]:
    sources = []
    for path in paths:
        report = read_report(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        sources.append(Source(path, digest, report, validate(report)))
    return sources


def _check_compatible(sources: list[Source]) -> tuple[FormatSpec, int]:
    if not sources:
        raise UsageError("请至少指定一个要汇总的工作簿。")
    kinds = {(s.report.spec.id, s.report.year) for s in sources}
    if len(kinds) > 1:
        listed = "；".join(f"{s.path.name}：{s.report.spec.name}，{s.report.year} 年度" for s in sources)
        raise UsageError(f"只能汇总同一年度、同一格式版本的年报，以下文件不一致：{listed}")
    broken = [s.path.name for s in sources if s.report.structure_broken]
    if broken:
        raise UsageError(f"以下工作簿的表格结构被修改，无法汇总：{'、'.join(broken)}")
    spec, year = sources[0].report.spec, sources[0].report.year
    if year is None:
        raise UsageError(f"{sources[0].path.name} 未填写报告年度，无法汇总。")
    return spec, year


def sum_values(spec: FormatSpec, reports: list[Report]) -> dict[CellId, object]:
    """Cell-wise sums; None where any source is blank or not a number."""
    out: dict[CellId, object] = {}
    for cell_id in summed_cells(spec):
        parts = [r.values.get(cell_id) for r in reports]
        if not all(is_number(p) for p in parts):
            out[cell_id] = None
            continue
        total = sum(parts)  # type: ignore[arg-type]
        digits = _DIGITS.get(spec.cell(cell_id).type)
        out[cell_id] = round(total, digits) if digits is not None else total  # no binary-float residue
    return out


def _narrative(spec: FormatSpec, count: int) -> dict[CellId, object]:
    note = f"本工作簿由 {count} 个单位的政府信息公开工作年度报告汇总生成（来源见“{PROVENANCE_SHEET}”工作表），正文请另行撰写。"
    return {form.paragraphs[0].id: note for form in spec.forms if form.paragraphs}


def _write_provenance(path: Path, sources: list[Source]) -> None:
    wb = load_workbook(path)
    ws = wb.create_sheet(PROVENANCE_SHEET, index=1)
    header = ["序号", "文件", "机关名称", "报告年度", "格式版本", "SHA-256", "校验结果"]
    ws.append(header)
    for n, s in enumerate(sources, 1):
        status = "通过" if s.result.ok else f"未通过（{s.result.errors} 项错误）"
        ws.append([n, s.path.name, s.report.org, s.report.year, s.report.spec.name, s.sha256, status])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEFG", (6, 28, 24, 10, 24, 66, 18), strict=True):
        ws.column_dimensions[col].width = width
    ws.protection.sheet = True
    wb.save(path)


def consolidate(
    paths: list[Path], org: str, out: Path, overwrite: bool = False
) -> tuple[Result, list[Source]]:
    """Write the consolidated workbook and return its validation."""
    refuse_overwrite(out, overwrite=overwrite)
    sources = load_sources(paths)
    spec, year = _check_compatible(sources)
    values = sum_values(spec, [s.report for s in sources]) | _narrative(spec, len(sources))
    write_workbook(spec, out, org=org, year=year, values=values)
    _write_provenance(out, sources)
    return validate(read_report(out)), sources


@dataclass(frozen=True)
class Difference:
    ref: str
    parent: object
    children: object


def check_parent(parent: Path, children: list[Path]) -> list[Difference]:
    """Cells where a parent report differs from the sum of its children's reports."""
    sources = load_sources(children)
    spec, year = _check_compatible(sources)
    report = read_report(parent)
    if (report.spec.id, report.year) != (spec.id, year):
        raise UsageError(
            f"{parent.name} 是 {report.spec.name} {report.year} 年度报告，与下级报告（{spec.name} {year} 年度）不一致。"
        )
    total = sum_values(spec, [s.report for s in sources])
    out = []
    for cell_id, value in total.items():
        mine = report.values.get(cell_id)
        if not _same(mine, value):
            out.append(Difference(spec.cell(cell_id).ref, mine, value))
    return out


def _same(a: object, b: object) -> bool:
    if is_number(a) and is_number(b):
        return abs(float(a) - float(b)) < 1e-9  # type: ignore[arg-type]
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return display(a) == display(b)
