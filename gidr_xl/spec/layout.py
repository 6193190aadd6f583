"""Where things stand in the generated workbook: check cells, defined names, fixed sheets.

The compiled format places its check cells with these (:class:`~gidr_xl.spec.compiled.CompiledFormat`);
the writer, the reader and the outputs find sheets and cells here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from gidr_xl.addresses import cell_at, quote_sheet, split_address
from gidr_xl.model import CellId, FormatSpec, InputCell
from gidr_xl.rules.expand import RuleInstance

CHECK_SHEET = "校验"
DETAIL_SHEET = "校验明细"
META_SHEET = "_meta"
#: First row of rule rows on the 校验 sheet and of instance rows on the 校验明细 sheet.
CHECK_FIRST_ROW = 8
DETAIL_FIRST_ROW = 3


@dataclass(frozen=True)
class CheckCell:
    """The cell holding an instance's live formula."""

    sheet: str
    address: str

    @property
    def ref(self) -> str:
        return f"{quote_sheet(self.sheet)}!{self.address}"


def place_checks(spec: FormatSpec, instances: Iterable[RuleInstance]) -> dict[str, CheckCell]:
    """Instance id → its check cell: beside its table when the rule says so, else 校验明细."""
    out: dict[str, CheckCell] = {}
    detail_row = DETAIL_FIRST_ROW
    for inst in instances:
        placement = inst.rule.check
        if placement is not None and inst.anchor is not None:
            anchor = spec.cell(inst.anchor)
            table = spec.table(inst.anchor.table)
            col, row = split_address(anchor.address)
            if placement.axis == "row":
                row = table.last_row + placement.offset
            else:
                col = table.n_cols + placement.offset
            out[inst.id] = CheckCell(anchor.sheet, cell_at(col, row))
        else:
            out[inst.id] = CheckCell(DETAIL_SHEET, f"B{detail_row}")
            detail_row += 1
    return out


def ref_from(sheet: str, spec: FormatSpec):
    """Reference builder for formulas placed on ``sheet``: local cells unqualified."""

    def ref_of(cell_id: CellId) -> str:
        cell = spec.cell(cell_id)
        if cell.sheet == sheet:
            return cell.address
        return f"{quote_sheet(cell.sheet)}!{cell.address}"

    return ref_of


_NAME_UNSAFE = re.compile(r"[^\w]")


def defined_name(cell: InputCell) -> str:
    """Workbook-level name of an input cell, e.g. ``T3_三_七_自然人``."""
    return _NAME_UNSAFE.sub("_", "_".join((cell.id.table, *cell.id.keys)))
