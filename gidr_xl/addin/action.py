"""What the ribbon's 校验 button does inside Excel (gidr_xl.main → run).

Staff only ever see Chinese messages: known problems (Protected View, a workbook never saved, a
folder that cannot be written) get an instruction, anything unexpected a short alert that points
to a log file for IT, never a traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
import traceback
from pathlib import Path
from typing import Any

from gidr_xl.access.xlwings_book import XlwingsBook
from gidr_xl.addin import NO_WORKBOOK_MESSAGE, TITLE
from gidr_xl.addin.prior import prior_report
from gidr_xl.errors import GidrError
from gidr_xl.outputs.annotate import annotate, summary_line
from gidr_xl.reader.workbook import read_book
from gidr_xl.validate.validator import validate

WORKING = "正在校验…"
PROTECTED_VIEW = (
    "此工作簿处于“受保护的视图”（只读），无法标记。\n\n请点击窗口顶部黄色提示栏中的“启用编辑”，再点击“校验”。"
)
NOT_SAVED = (
    "工作簿尚未保存到本机文件夹，无法在旁边生成年度报告。\n\n"
    "请先点击“文件 → 另存为”，保存到本机的文件夹（例如“文档”），再点击“校验”。"
)
READ_ONLY_FOLDER = (
    "工作簿所在的文件夹不允许写入，无法生成年度报告：\n{folder}\n\n"
    "请点击“文件 → 另存为”，把工作簿保存到可写入的文件夹（例如“文档”），再点击“校验”。"
)
UNEXPECTED = (
    "校验时出现意外错误，已停止。您填写的数据没有被修改。\n\n"
    "请把这个提示截图，连同工作簿和错误记录文件一起发给信息化管理员：\n{log}\n\n（{kind}）"
)


def free_path(path: Path) -> Path:
    """``path``, or ``name(2).docx``, ``name(3).docx``… if taken: never overwrite."""
    candidate, n = path, 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}({n}){path.suffix}")
        n += 1
    return candidate


def writable(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (tried, not guessed from permissions)."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix="~gidr-", suffix=".tmp"):
            return True
    except OSError:
        return False


def error_log(exc: BaseException) -> Path:
    """Write the traceback to a file in the temporary folder, for IT; returns its path."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(tempfile.gettempdir()) / f"gidr-xl-错误-{stamp}.log"
    path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    return path


def _compile(access: XlwingsBook, result: Any, summary: str) -> None:
    """Offer to write the report next to the workbook, or say why it cannot be."""
    source = access.local_path()
    if source is None:
        access.alert(f"{summary}\n\n{NOT_SAVED}", TITLE, mode="info")
        return
    if not writable(source.parent):
        access.alert(f"{summary}\n\n{READ_ONLY_FOLDER.format(folder=source.parent)}", TITLE, mode="info")
        return
    answer = access.alert(
        f"{summary}\n\n是否现在生成年度报告（.docx，保存在工作簿旁边）？", TITLE, buttons="yes_no"
    )
    if answer != "yes":
        return
    from gidr_xl.compile import compile_report, planned_outputs

    target = free_path(source.with_suffix(".docx"))
    try:
        compile_report(result, planned_outputs(target, pdf=False, html=False))
    except PermissionError:
        access.alert(READ_ONLY_FOLDER.format(folder=source.parent), TITLE, mode="critical")
        return
    access.alert(f"已生成年度报告：{target}", TITLE)


def _run(access: XlwingsBook) -> str:
    if access.in_protected_view():
        access.alert(PROTECTED_VIEW, TITLE, mode="critical")
        return PROTECTED_VIEW
    try:
        result = validate(read_book(access), prior_report(access, TITLE))
    except GidrError as exc:
        access.alert(str(exc), TITLE, mode="critical")
        return str(exc)
    annotate(access, result)
    summary = summary_line(result)
    if not result.ok:
        located = "\n".join(result.localisation.describe()[:4]) if result.localisation else ""
        access.alert(
            f"{summary}\n\n{located + chr(10) * 2 if located else ''}"
            "有问题的单元格已标色并加了批注（浅蓝色为可能填错的单元格），详见“校验结果”工作表。",
            TITLE,
            mode="critical",
        )
        return summary
    _compile(access, result, summary)
    return summary


def run(book: Any) -> str:
    """Validate the open workbook, mark it, and offer to compile the report; returns the summary."""
    access = XlwingsBook(book)
    access.status(WORKING)
    try:
        return _run(access)
    except Exception as exc:  # never a traceback in front of staff
        try:
            log = str(error_log(exc))
        except OSError:
            log = "（无法写入错误记录文件）"
        message = UNEXPECTED.format(log=log, kind=type(exc).__name__)
        with contextlib.suppress(Exception):
            access.alert(message, TITLE, mode="critical")
        return message
    finally:
        access.status(None)


def main() -> None:
    """Entry point called by the add-in's VBA (RunPython "import gidr_xl;gidr_xl.main()")."""
    import xlwings as xw

    try:
        book = xw.Book.caller()
    except Exception:  # no workbook Python can reach (Protected View, closed meanwhile)
        with contextlib.suppress(Exception):
            xw.apps.active.alert(NO_WORKBOOK_MESSAGE, title=TITLE, mode="critical")
        return
    run(book)
