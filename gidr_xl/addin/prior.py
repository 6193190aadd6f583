"""Last year's workbook for the cross-year checks: asked once, remembered in the metadata."""

from __future__ import annotations

from pathlib import Path

from gidr_xl.access.meta import META_EXTENT, PRIOR_DECLINED, PRIOR_KEY, read_meta, remember
from gidr_xl.access.xlwings_book import XlwingsBook
from gidr_xl.errors import GidrError
from gidr_xl.reader.workbook import read_report
from gidr_xl.report import Report


def prior_report(access: XlwingsBook, title: str) -> Report | None:
    """Last year's report, asking for the workbook the first time only."""
    meta_cells = access.read(META_EXTENT)
    chosen = read_meta(meta_cells, access.source).get(PRIOR_KEY)
    if chosen is None:
        answer = access.alert(
            "是否指定上年度的年报工作簿，用于跨年度核对（上年结转、现行有效件数等）？\n只需指定一次，会记在本工作簿中。",
            title,
            buttons="yes_no",
        )
        chosen = (
            access.ask_for_workbook("请选择上年度的年报工作簿") if answer == "yes" else None
        ) or PRIOR_DECLINED
        remember(access, meta_cells, PRIOR_KEY, chosen)
    if chosen == PRIOR_DECLINED or not chosen:
        return None
    try:
        return read_report(Path(chosen))
    except GidrError as exc:
        access.alert(f"上年度工作簿无法读取，本次不做跨年度核对：{exc}", title)
        return None
