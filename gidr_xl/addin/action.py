"""What the ribbon's 校验 button does inside Excel (gidr_xl.main → run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gidr_xl.access.xlwings_book import XlwingsBook
from gidr_xl.addin.prior import prior_report
from gidr_xl.errors import GidrError
from gidr_xl.outputs.annotate import annotate, summary_line, validate_book

TITLE = "政府信息公开年报 · 校验"


def free_path(path: Path) -> Path:
    """``path``, or ``name(2).docx``, ``name(3).docx``… if taken: never overwrite."""
    candidate, n = path, 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}({n}){path.suffix}")
        n += 1
    return candidate


def run(book: Any) -> str:
    """Validate the open workbook, mark it, and offer to compile the report; returns the summary."""
    app = book.app
    access = XlwingsBook(book)
    try:
        result = validate_book(access, prior_report(access, TITLE))
    except GidrError as exc:
        app.alert(str(exc), title=TITLE, mode="critical")
        return str(exc)
    annotate(access, result)
    summary = summary_line(result)
    if not result.ok:
        located = "\n".join(result.localisation.describe()[:4]) if result.localisation else ""
        app.alert(
            f"{summary}\n\n{located + chr(10) * 2 if located else ''}"
            "有问题的单元格已标色并加了批注（浅蓝色为可能填错的单元格），详见“校验结果”工作表。",
            title=TITLE,
            mode="critical",
        )
        return summary
    answer = app.alert(
        f"{summary}\n\n是否现在生成年度报告（.docx，保存在工作簿旁边）？", title=TITLE, buttons="yes_no"
    )
    if answer == "yes":
        from gidr_xl.compile import compile_report, planned_outputs

        target = free_path(Path(book.fullname).with_suffix(".docx"))
        compile_report(result, planned_outputs(target, pdf=False, html=False))
        app.alert(f"已生成年度报告：{target}", title=TITLE)
    return summary


def main() -> None:
    """Entry point called by the add-in's VBA (RunPython "import gidr_xl; gidr_xl.main()")."""
    import xlwings as xw

    run(xw.Book.caller())
