"""Format spec (+ optional values) → the .xlsx entry workbook with live checks.

Sheets: 封面, the narrative and table sheets in report order, 校验 (every rule with its live
result), 校验明细 (hidden: one formula per per-cell check) and _meta (very hidden: format id,
template version, spec hash). Only classic functions are emitted (see rules/excel.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import absolute_coordinate
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.worksheet.worksheet import Worksheet

from gidr_xl.access.meta import metadata
from gidr_xl.addresses import cell_at, parse_span, quote_sheet, split_address
from gidr_xl.model import CellId, CellType, FormatSpec, FormSpec, InputCell, TableSpec
from gidr_xl.names import ORG_LONGEST, clean_name
from gidr_xl.rules.excel import FAIL, PASS, SKIP, compile_condition, compile_instance
from gidr_xl.rules.expand import RuleInstance
from gidr_xl.spec.compiled import CompiledFormat
from gidr_xl.spec.layout import (
    CHECK_FIRST_ROW,
    CHECK_SHEET,
    DETAIL_SHEET,
    META_SHEET,
    CheckCell,
    defined_name,
    ref_from,
)
from gidr_xl.template import styles

INSTRUCTIONS = (
    "填表说明",
    "1. 黄色单元格为填报区，其余单元格已锁定；行高、列宽和单元格格式可直接调整（工作表保护未设密码）。",
    "2. 表二、表三、表四与国务院办公厅规定的格式完全一致，请勿插入、删除或移动行列，也不要修改表头文字。",
    "3. 没有发生的事项请填 0，不要留空，也不要填写“—”“无”“/”等符号；空白不视为 0。",
    "4. 总体情况、存在的主要问题及改进情况、其他需要报告的事项：每行填写一段，二级标题单独占一行；段落较长时，可双击行号下边界自动调整行高。",
    "5. 每张表格旁的“校验”单元格实时显示勾稽关系是否成立；“校验”工作表汇总全部规则的结果。",
    "6. 填写完毕后，可在 Excel 功能区点击“校验”，或运行 gidr validate 命令进行完整校验并生成报告。",
)


def _style_input(ws: Worksheet, cell: InputCell) -> None:
    c1, r1, c2, r2 = parse_span(cell.span)
    if (c1, r1) != (c2, r2):
        ws.merge_cells(cell.span)
    for col in range(c1, c2 + 1):
        for row in range(r1, r2 + 1):
            target = ws.cell(row=row, column=col)
            target.border = styles.BORDER
            target.fill = styles.INPUT_FILL
            target.protection = Protection(locked=False)
    top = ws[cell.address]
    top.number_format = styles.NUMBER_FORMATS[cell.type]
    top.font = styles.BODY_FONT
    top.alignment = styles.TOP_LEFT if cell.type is CellType.TEXT else styles.CENTER


def _style_label(ws: Worksheet, span: str, text: str, font=styles.LABEL_FONT, fill=styles.LABEL_FILL) -> None:
    c1, r1, c2, r2 = parse_span(span)
    if (c1, r1) != (c2, r2):
        ws.merge_cells(span)
    for col in range(c1, c2 + 1):
        for row in range(r1, r2 + 1):
            target = ws.cell(row=row, column=col)
            target.border = styles.BORDER
            target.fill = fill
    top = ws.cell(row=r1, column=c1, value=text)
    top.font = font
    top.alignment = styles.CENTER


def _protect(ws: Worksheet) -> None:
    """Lock contents but allow formatting: staff may resize rows and columns; the 校验 button
    (and --annotate) may mark cells and attach notes without unprotecting.

    openpyxl's flags are ECMA-376's: True means "protected", so False allows the action.
    """
    ws.protection = SheetProtection(
        sheet=True, formatCells=False, formatRows=False, formatColumns=False, objects=False
    )


def _validation(spec: FormatSpec, ctype: CellType) -> DataValidation:
    info = spec.cell_types[ctype]
    kwargs: dict[str, object] = {}
    if ctype is CellType.COUNT:
        kwargs = {"type": "whole", "operator": "greaterThanOrEqual", "formula1": "0"}
    elif ctype is CellType.SIGNED:
        kwargs = {"type": "whole", "operator": "between", "formula1": "-999999999", "formula2": "999999999"}
    elif ctype in (CellType.DECIMAL, CellType.MONEY):
        kwargs = {"type": "decimal", "operator": "greaterThanOrEqual", "formula1": "0"}
    elif ctype is CellType.YEAR:
        kwargs = {"type": "whole", "operator": "between", "formula1": "2019", "formula2": "2100"}
    else:
        kwargs = {"type": "textLength", "operator": "lessThanOrEqual", "formula1": "5000"}
    dv = DataValidation(
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        errorStyle="stop",
        promptTitle=info.title[:32],
        prompt=info.prompt[:255],
        errorTitle="输入有误",
        error=f"此处应填写{info.title}。{info.prompt}"[:225],
        **kwargs,
    )
    return dv


class _Builder:
    """Builds one workbook; keeps the per-sheet validations and the check-cell map."""

    def __init__(self, spec: CompiledFormat) -> None:
        self.spec = spec
        self.wb = Workbook()
        self.checks = spec.check_cells
        self.validations: dict[tuple[str, CellType], DataValidation] = {}

    # -- sheets -----------------------------------------------------------------------------
    def sheet(self, name: str) -> Worksheet:
        if name in self.wb.sheetnames:
            return self.wb[name]
        if self.wb.sheetnames == ["Sheet"]:
            ws = self.wb.active
            ws.title = name
            return ws
        return self.wb.create_sheet(name)

    def add_input(self, ws: Worksheet, cell: InputCell) -> None:
        _style_input(ws, cell)
        key = (ws.title, cell.type)
        if key not in self.validations:
            self.validations[key] = _validation(self.spec, cell.type)
            ws.add_data_validation(self.validations[key])
        self.validations[key].add(cell.span)
        ref = f"{quote_sheet(cell.sheet)}!{absolute_coordinate(cell.address)}"
        self.wb.defined_names[defined_name(cell)] = DefinedName(defined_name(cell), attr_text=ref)

    def write_form(self, form: FormSpec) -> None:
        ws = self.sheet(form.sheet)
        hints = form.id == self.spec.roles.cover  # the cover explains each field in column C
        last = "C" if hints else "B"
        ws.cell(row=1, column=1, value=form.title).font = styles.TITLE_FONT
        ws.merge_cells(f"A1:{last}1")
        note = ws.cell(row=2, column=1, value=form.note or f"格式版本：{self.spec.name}《{self.spec.title}》")
        note.font, note.alignment = styles.NOTE_FONT, styles.LEFT
        ws.merge_cells(f"A2:{last}2")
        ws.column_dimensions["A"].width = 22
        ws.column_dimensions["B"].width = 90 if form.paragraphs else 48
        if hints:
            ws.column_dimensions["C"].width = 40
        for cell in form.fields:
            _, row = split_address(cell.address)
            _style_label(ws, f"A{row}", cell.label)
            self.add_input(ws, cell)
        if form.paragraphs:
            _, first = split_address(form.paragraphs[0].address)
            _style_label(ws, f"A{first - 1}", "段落")
            _style_label(ws, f"B{first - 1}", "内容（每行一段）")
            for cell in form.paragraphs:
                _, row = split_address(cell.address)
                _style_label(ws, f"A{row}", cell.id.keys[0], font=styles.BODY_FONT)
                self.add_input(ws, cell)
            ws.freeze_panes = f"B{first}"
        if hints:
            self._write_instructions(ws, form)
        title_rows = f"{first - 1}:{first - 1}" if form.paragraphs else None
        self._print_setup(ws, landscape=False, title_rows=title_rows)

    def _write_instructions(self, ws: Worksheet, form: FormSpec) -> None:
        for cell in form.fields:
            _, row = split_address(cell.address)
            hint = ws.cell(row=row, column=3, value=cell.hint or self.spec.cell_types[cell.type].title)
            hint.font, hint.alignment = styles.NOTE_FONT, styles.LEFT
        _, last = split_address(form.fields[-1].address)
        row = last + 2
        ws.cell(row=row, column=1, value="格式版本").font = styles.LABEL_FONT
        ws.cell(row=row, column=2, value=f"{self.spec.name}《{self.spec.title}》").font = styles.BODY_FONT
        row += 2
        for i, line in enumerate(INSTRUCTIONS):
            c = ws.cell(row=row + i, column=1, value=line)
            c.font = styles.LABEL_FONT if i == 0 else styles.BODY_FONT
            c.alignment = styles.LEFT
            ws.merge_cells(start_row=row + i, start_column=1, end_row=row + i, end_column=3)

    def write_table(self, table: TableSpec) -> None:
        ws = self.sheet(table.sheet)
        first = table.origin_row
        heading = next((s.heading for s in self.spec.sections if s.key == table.section), table.title)
        caption_row = 1 if first == 4 else first - 1
        ws.cell(
            row=caption_row, column=1, value=heading if not table.local else table.title
        ).font = styles.TITLE_FONT
        if first == 4:
            note = ws.cell(
                row=2,
                column=1,
                value="黄色单元格为填报区；没有发生的事项请填 0，不要留空。表格结构与国家统一格式一致，请勿增删行列。",
            )
            note.font = styles.NOTE_FONT
        for lab in table.labels:
            _style_label(ws, lab.span, lab.text)
        for lab in table.check_labels:
            _style_label(ws, lab.span, lab.text, font=styles.CHECK_FONT, fill=styles.CHECK_FILL)
        for cell in table.inputs:
            self.add_input(ws, cell)
        widths = {1: 30} if table.label_cols == 1 else {1: 14, 2: 16, 3: 40} if table.label_cols == 3 else {}
        for col in range(1, table.n_cols + 3):
            letter = cell_at(col, 1)[:-1]
            current = ws.column_dimensions[letter].width if letter in ws.column_dimensions else 0
            default = 13 if table.label_cols == 3 else 11 if table.n_cols > 10 else 18
            ws.column_dimensions[letter].width = max(current, widths.get(col, default))
        if not table.local:
            ws.freeze_panes = cell_at(table.label_cols + 1, first + table.header_rows)
            title_rows = f"{first}:{first + table.header_rows - 1}" if table.header_rows else None
            self._print_setup(ws, landscape=table.n_cols > 4, title_rows=title_rows)

    def _print_setup(self, ws: Worksheet, landscape: bool, title_rows: str | None) -> None:
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if title_rows:
            ws.print_title_rows = title_rows
        _protect(ws)

    # -- checks -----------------------------------------------------------------------------
    def write_checks(self) -> None:
        detail = self.sheet(DETAIL_SHEET)
        detail["A1"], detail["B1"], detail["C1"] = "规则实例", "结果", "单元格"
        detail["A2"] = "本表由 gidr-xl 生成，每行是一项逐单元格校验的实时公式，供“校验”工作表汇总。"
        for inst in self.spec.instances:
            where = self.checks[inst.id]
            ws = self.sheet(where.sheet)
            cell = ws[where.address]
            cell.value = compile_instance(inst, ref_from(where.sheet, self.spec))
            if where.sheet == DETAIL_SHEET:
                _, row = split_address(where.address)
                ws.cell(row=row, column=1, value=inst.id)
                anchor = self.spec.cell(inst.anchor) if inst.anchor else None
                ws.cell(row=row, column=3, value=anchor.ref if anchor else "")
            else:
                cell.font, cell.alignment, cell.border = styles.CHECK_FONT, styles.CENTER, styles.BORDER
                self._mark_anchor(ws, inst, where)
        detail.sheet_state = "hidden"
        _protect(detail)
        self._per_cell_formatting()

    def _mark_anchor(self, ws: Worksheet, inst: RuleInstance, where: CheckCell) -> None:
        absolute = absolute_coordinate(where.address)
        ws.conditional_formatting.add(
            where.address,
            CellIsRule(operator="equal", formula=[f'"{FAIL}"'], fill=styles.FAIL_FILL, font=styles.FAIL_FONT),
        )
        ws.conditional_formatting.add(
            where.address,
            CellIsRule(operator="equal", formula=[f'"{PASS}"'], fill=styles.PASS_FILL, font=styles.PASS_FONT),
        )
        if inst.anchor is not None:
            anchor = self.spec.cell(inst.anchor)
            ws.conditional_formatting.add(
                anchor.span,
                FormulaRule(formula=[f'{absolute}="{FAIL}"'], fill=styles.FAIL_FILL, font=styles.FAIL_FONT),
            )

    def _per_cell_formatting(self) -> None:
        """Red fill on input cells that break a per-cell rule (not for blanks: see 校验)."""
        for rule_id, group in self.spec.instances_by_rule.items():
            if not group[0].rule.per_cell or rule_id == "V-REQ":
                continue
            for inst in group:
                cell = self.spec.cell(inst.anchor)  # type: ignore[arg-type]
                ws = self.sheet(cell.sheet)
                cond = compile_condition(inst, ref_from(cell.sheet, self.spec))
                ws.conditional_formatting.add(
                    cell.span,
                    FormulaRule(formula=[f"NOT({cond})"], fill=styles.FAIL_FILL, font=styles.FAIL_FONT),
                )

    def write_summary(self) -> None:
        ws = self.sheet(CHECK_SHEET)
        ws["A1"] = "校验结果（实时公式）"
        ws["A1"].font = styles.TITLE_FONT
        ws["A2"] = "机关名称"
        ws["B2"] = f"={quote_sheet('封面')}!B4"
        ws["A3"] = "格式版本"
        ws["B3"] = self.spec.name
        last = CHECK_FIRST_ROW + len(self.spec.instances_by_rule) + len(self.spec.instances)
        sev, fails, result = (f"{c}{CHECK_FIRST_ROW}:{c}{last}" for c in "BGE")
        ws["A4"], ws["B4"] = "错误（不通过项数）", f'=SUMIF({sev},"错误",{fails})'
        ws["A5"], ws["B5"] = "警告（不通过项数）", f'=SUMIF({sev},"警告",{fails})'
        ws["A6"], ws["B6"] = "未校验（有空白或非数字）", f'=COUNTIF({result},"{SKIP}")'
        headers = ("编号", "级别", "规则", "位置", "结果", "依据", "不通过数")
        for i, h in enumerate(headers, 1):
            _style_label(ws, cell_at(i, CHECK_FIRST_ROW - 1), h)
        row = CHECK_FIRST_ROW
        for rule_id, group in self.spec.instances_by_rule.items():
            rule = group[0].rule
            if rule.per_cell:
                refs = [self.checks[i.id] for i in group]
                first, last_ref = refs[0].address, refs[-1].address
                span = f"{quote_sheet(DETAIL_SHEET)}!{first}:{last_ref}"
                values = (
                    rule_id,
                    rule.severity.label,
                    rule.title,
                    f"共 {len(group)} 个单元格",
                    f'=IF(COUNTIF({span},"{FAIL}")>0,"{FAIL}","{PASS}")',
                    rule.basis,
                    f'=COUNTIF({span},"{FAIL}")',
                )
                self._summary_row(ws, row, values)
                row += 1
                continue
            for inst in group:
                where = self.checks[inst.id]
                anchor = self.spec.cell(inst.anchor).ref if inst.anchor else ""
                values = (
                    inst.id,
                    rule.severity.label,
                    rule.title,
                    anchor,
                    f"={where.ref}",
                    rule.basis,
                    f'=IF(E{row}="{FAIL}",1,0)',
                )
                self._summary_row(ws, row, values)
                row += 1
        for col, width in zip("ABCDEFG", (22, 8, 44, 22, 10, 60, 10), strict=True):
            ws.column_dimensions[col].width = width
        result_range = f"E{CHECK_FIRST_ROW}:E{row}"
        ws.conditional_formatting.add(
            result_range,
            CellIsRule(operator="equal", formula=[f'"{FAIL}"'], fill=styles.FAIL_FILL, font=styles.FAIL_FONT),
        )
        ws.conditional_formatting.add(
            result_range,
            CellIsRule(operator="equal", formula=[f'"{PASS}"'], fill=styles.PASS_FILL, font=styles.PASS_FONT),
        )
        ws.conditional_formatting.add(
            result_range, CellIsRule(operator="equal", formula=[f'"{SKIP}"'], fill=styles.SKIP_FILL)
        )
        ws.freeze_panes = f"A{CHECK_FIRST_ROW}"
        self._print_setup(ws, landscape=True, title_rows=f"{CHECK_FIRST_ROW - 1}:{CHECK_FIRST_ROW - 1}")

    @staticmethod
    def _summary_row(ws: Worksheet, row: int, values: tuple[object, ...]) -> None:
        for col, value in enumerate(values, 1):
            c = ws.cell(row=row, column=col, value=value)
            c.font, c.border = styles.BODY_FONT, styles.BORDER
            c.alignment = styles.LEFT if col in (3, 6) else styles.CENTER

    def write_meta(self) -> None:
        ws = self.sheet(META_SHEET)
        for row, (k, v) in enumerate(metadata(self.spec), 1):
            ws.cell(row=row, column=1, value=k)
            ws.cell(row=row, column=2, value=v)
        ws.sheet_state = "veryHidden"  # unprotected: the add-in records last year's workbook here


def _column_width(ws: Worksheet, col: int) -> float:
    letter = get_column_letter(col)
    if letter in ws.column_dimensions and ws.column_dimensions[letter].width:
        return float(ws.column_dimensions[letter].width)
    return styles.DEFAULT_COLUMN_WIDTH


def fit_rows(ws: Worksheet, narrative: Collection[str] = ()) -> None:
    """Give every row with content the height its text needs (see :func:`styles.row_height`).

    A merged cell wraps in its merged width; the height a vertical merge needs is spread over
    its rows. Cells in ``narrative`` (paragraph inputs) get at least NARRATIVE_LINES lines.
    """
    merges = {(r.min_row, r.min_col): r for r in ws.merged_cells.ranges}
    single: dict[int, float] = {}
    spanning: list[tuple[int, int, float]] = []
    for row in ws.iter_rows():
        for cell in row:
            blank_paragraph = cell.value is None and cell.coordinate in narrative
            if isinstance(cell, MergedCell) or (cell.value is None and not blank_paragraph):
                continue
            rng = merges.get((cell.row, cell.column))
            c1, c2 = (rng.min_col, rng.max_col) if rng else (cell.column, cell.column)
            r2 = rng.max_row if rng else cell.row
            text = "" if cell.value is None or cell.data_type == "f" else str(cell.value)
            height = styles.row_height(
                text,
                sum(_column_width(ws, c) for c in range(c1, c2 + 1)),
                float(cell.font.sz or 11),
                wrap=bool(cell.alignment.wrap_text),
                min_lines=styles.NARRATIVE_LINES if cell.coordinate in narrative else 1,
            )
            if r2 == cell.row:
                single[cell.row] = max(single.get(cell.row, 0.0), height)
            else:
                spanning.append((cell.row, r2, height))
    plain = styles.row_height("", styles.DEFAULT_COLUMN_WIDTH, 11)  # a row with nothing to fit
    for r1, r2, height in spanning:
        rows = range(r1, r2 + 1)
        short = max(height - sum(single.get(r, plain) for r in rows), 0.0)
        for r in rows:
            single[r] = single.get(r, plain) + short / len(rows)
    for r, height in single.items():
        ws.row_dimensions[r].height = round(height, 1)


def _put(ws: Worksheet, cell: InputCell, value: object) -> None:
    target = ws[cell.address]
    target.value = value
    if cell.type is CellType.TEXT and isinstance(value, str) and value.startswith("="):
        target.data_type = "s"  # narrative text, never a formula


def build_workbook(
    spec: CompiledFormat,
    org: str = "",
    year: int | None = None,
    values: Mapping[CellId, object] | None = None,
) -> Workbook:
    """The workbook in memory: inputs blank except organ and year, or filled from ``values``."""
    b = _Builder(spec)
    forms = {f.sheet: f for f in spec.forms}
    for sheet in spec.sheets:
        if sheet in forms:
            b.write_form(forms[sheet])
        for table in spec.tables:
            if table.sheet == sheet:
                b.write_table(table)
    b.write_checks()
    b.write_summary()
    b.write_meta()
    order = [*spec.sheets, CHECK_SHEET, DETAIL_SHEET, META_SHEET]
    b.wb._sheets.sort(key=lambda ws: order.index(ws.title))
    b.wb.active = 0
    filled: dict[CellId, object] = {}
    if org:
        filled[spec.roles.organ] = clean_name(org, "机关名称", ORG_LONGEST)
    if year is not None:
        filled[spec.roles.year] = year
    filled.update(values or {})
    for cell_id, value in filled.items():
        cell = spec.cell(cell_id)
        _put(b.wb[cell.sheet], cell, value)
    for ws in b.wb.worksheets:
        if ws.title != META_SHEET:
            fit_rows(ws, {p.address for f in spec.forms if f.sheet == ws.title for p in f.paragraphs})
    return b.wb


def write_workbook(
    spec: CompiledFormat,
    path: Path,
    org: str = "",
    year: int | None = None,
    values: Mapping[CellId, object] | None = None,
) -> Path:
    """Write the workbook to ``path`` (parent folders are created)."""
    wb = build_workbook(spec, org, year, values)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
