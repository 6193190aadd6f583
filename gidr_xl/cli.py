"""``gidr`` command line: a thin front-end over the library.

Each command maps its arguments to one library call, prints the outcome in Chinese and maps errors
to exit codes; no rule, check or file handling of its own. Examples are in each command's help
(``gidr 命令 -h``) and in README.md's 命令参考, which is generated from this parser
(``python scripts/gen_cli_docs.py``).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gidr_xl.argparse_zh import ChineseParser, StackedFormatter
from gidr_xl.errors import FailedValidationError, GidrError, UnusableWorkbookError
from gidr_xl.extras import missing_extra_message
from gidr_xl.version import __version__

if TYPE_CHECKING:
    from gidr_xl.server.config import Settings

    _Sub = argparse._SubParsersAction[argparse.ArgumentParser]  # what add_subparsers returns


class Exit(IntEnum):
    OK = 0  # no errors
    FINDINGS = 1  # the report has errors
    UNUSABLE = 2  # bad usage, or a file that cannot be read as our workbook
    INTERNAL = 3  # a bug: please report it


SHOWN_FINDINGS = 50  # findings printed without --all


class _ForceMeansOverwrite(argparse.Action):
    """``gidr new --force``: the old spelling of ``--overwrite``, kept for scripts, hidden from help."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, *_: object) -> None:
        print("gidr：提示：gidr new 的 --force 已改名为 --overwrite，请改用 --overwrite。", file=sys.stderr)
        setattr(namespace, self.dest, True)


# --- commands ------------------------------------------------------------------------------------


def _limit(args: argparse.Namespace) -> int | None:
    return None if args.all else SHOWN_FINDINGS


def _progress(done: int, total: int, path: Path) -> None:
    """A progress bar on stderr (only shown in a terminal)."""
    bar = "█" * (20 * done // total)
    print(f"\r[{bar:<20}] {done}/{total} {path.name[:40]}", end="", file=sys.stderr, flush=True)
    if done == total:
        print(file=sys.stderr)


def _maybe_progress() -> Callable[[int, int, Path], None] | None:
    return _progress if sys.stderr.isatty() else None


def cmd_new(args: argparse.Namespace) -> int:
    """Write a blank (or sample-filled) workbook."""
    from gidr_xl.newbook import new_workbook

    made = new_workbook(
        Path(args.output) if args.output else None,
        format=args.format,
        year=args.year,
        org=args.org or "",
        sample=args.sample,
        overwrite=args.overwrite,
    )
    if args.sample:
        print(f"已生成示例工作簿：{made.path}（{made.spec.name}）")
    else:
        print(f"已生成 {made.year} 年度报告工作簿：{made.path}（{made.spec.name}）")
    return Exit.OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate a filled workbook (optionally into a marked copy) and print the findings."""
    from gidr_xl.checking import annotate_copy, validate_file
    from gidr_xl.outputs import json_report, text

    prior = Path(args.prior) if args.prior else None
    try:
        if args.annotate:
            marked = annotate_copy(Path(args.file), Path(args.annotate), prior, overwrite=args.overwrite)
            result = marked.result
            if marked.rebuilt:
                print(
                    f"gidr：提示：{args.file} 无法原样复制（内部结构有误或内容过大）；标记副本按模板重建，"
                    "含全部已填写的内容（模板以外的内容未保留）。",
                    file=sys.stderr,
                )
        else:
            result = validate_file(Path(args.file), prior)
    except UnusableWorkbookError as exc:
        if args.json:
            print(json_report.unusable(args.file, str(exc)))
            return Exit.UNUSABLE
        raise
    print(json_report.dumps(result) if args.json else text.render(result, _limit(args)))
    if args.annotate and not args.json:
        print(f"已将标记写入副本：{args.annotate}")
    return Exit.OK if result.ok else Exit.FINDINGS


def cmd_build(args: argparse.Namespace) -> int:
    """Validate, then compile the report (.docx; --pdf, --html)."""
    from gidr_xl.compile import compile_workbook
    from gidr_xl.outputs import text

    try:
        result, outputs = compile_workbook(
            Path(args.file),
            Path(args.output) if args.output else None,
            pdf=args.pdf,
            html=args.html,
            force=args.force,
            overwrite=args.overwrite,
        )
    except FailedValidationError as exc:
        print(text.render(exc.result, _limit(args)))
        print(exc)
        return Exit.FINDINGS
    for path in outputs.written:
        print(f"已生成：{path}")
    if not result.ok:
        print(f"注意：工作簿有 {result.errors} 项错误，报告顶部已注明“未通过校验”。")
    return Exit.OK if result.ok else Exit.FINDINGS


def cmd_demo(args: argparse.Namespace) -> int:
    """Write both samples and a blank 2021 workbook into one folder, validate and compile them."""
    from gidr_xl.demo import run_demo
    from gidr_xl.outputs import text

    demo = run_demo(Path(args.out))
    print(f"已生成空白模板：{demo.blank}")
    for sample in demo.samples:
        print()
        print(text.render(sample.result))
        for written in sample.written:
            print(f"已生成：{written}")
    return Exit.OK if demo.ok else Exit.FINDINGS


def cmd_consolidate(args: argparse.Namespace) -> int:
    """汇总 several organs' workbooks, or compare a parent report with its children."""
    from gidr_xl.consolidate import check_parent, consolidate
    from gidr_xl.errors import UsageError
    from gidr_xl.outputs import text
    from gidr_xl.values import display

    paths = [Path(p) for p in args.files]
    if args.check_parent:
        differences = check_parent(Path(args.check_parent), paths)
        for d in differences:
            print(f"{d.ref}：上级报告为 {display(d.parent)}，下级合计为 {display(d.children)}")
        print(f"共 {len(differences)} 处不一致。" if differences else "上级报告与下级报告合计一致。")
        return Exit.FINDINGS if differences else Exit.OK
    if not args.output or not args.org:
        raise UsageError(
            "汇总需要 -o 输出文件和 --org 汇总单位名称，例如：gidr consolidate a.xlsx b.xlsx -o 汇总.xlsx --org 某某区"
        )
    result, sources = consolidate(paths, args.org, Path(args.output), overwrite=args.overwrite)
    print(f"已汇总 {len(sources)} 个工作簿：{args.output}")
    print(text.render(result))
    return Exit.OK if result.ok else Exit.FINDINGS


def cmd_import(args: argparse.Namespace) -> int:
    """Read a published report back into our workbook, then validate it."""
    from gidr_xl.importer.workbook import import_to_workbook
    from gidr_xl.outputs import text

    imported, out, result = import_to_workbook(
        Path(args.file),
        Path(args.output) if args.output else None,
        year=args.year,
        org=args.org,
        overwrite=args.overwrite,
    )
    report = imported.report
    print(
        f"已导入：{out}（{report.spec.name}，{report.org or '机关名称未识别'}，{report.year or '年度未识别'}）"
    )
    print(f"表格单元格读取 {imported.completeness:.0%}；逐格来源见“导入来源”工作表。")
    for line in imported.unread:
        print(f"  未读取：{line}")
    for line in imported.ambiguities:
        print(f"  有歧义：{line}")
    for line in imported.notes + imported.no_consistent:
        print(f"  说明：{line}")
    print(text.render(result, _limit(args)))
    return Exit.OK if result.ok else Exit.FINDINGS


def cmd_audit(args: argparse.Namespace) -> int:
    """Import and validate a folder of published reports; write the summary as CSV and .xlsx."""
    from gidr_xl.importer.audit import audit_folder

    run = audit_folder(
        [Path(p) for p in args.paths],
        Path(args.out),
        prior=args.prior,
        progress=_maybe_progress(),
        overwrite=args.overwrite,
    )
    shown = "，".join(f"{k} {v} 份" for k, v in run.counts().items())
    print(f"已审核 {len(run.items)} 份年报：{shown}。")
    print(f"汇总：{run.workbook}（Excel/WPS 打开）；{run.summary}；问题明细：{run.findings}")
    return Exit.OK if run.consistent else Exit.FINDINGS


def cmd_batch(args: argparse.Namespace) -> int:
    """Validate and compile every workbook of a folder in parallel; write summary.csv/.json."""
    from gidr_xl.batch import batch_folder

    run = batch_folder(
        Path(args.dir), Path(args.out), args.jobs, progress=_maybe_progress(), overwrite=args.overwrite
    )
    total = len(run.items)
    print(
        f"共 {total} 个工作簿：{run.passed} 个通过，{total - run.passed} 个未通过或无法读取。汇总：{run.csv}、{run.json}"
    )
    if run.internal_errors:
        return Exit.INTERNAL  # the others' results are written; this one is a bug to report
    return Exit.OK if run.passed == total else Exit.FINDINGS


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the submission server (FastAPI under uvicorn; SQLite in the data directory by default)."""
    from gidr_xl.server.run import serve

    def ready(settings: Settings) -> None:
        print(
            f"数据目录：{settings.data_dir}；数据库：{settings.database_url.split('://')[0]}；"
            f"工作进程：{args.workers}；http://{args.host}:{args.port}/docs"
        )

    serve(args.host, args.port, args.workers, args.data_dir, ready)
    return Exit.OK


def cmd_admin(args: argparse.Namespace) -> int:
    """Create organs and users of the submission server."""
    from gidr_xl.errors import UsageError
    from gidr_xl.server.admin import create_organ, create_user
    from gidr_xl.server.config import load_settings

    settings = load_settings(args.data_dir)
    if args.action == "create-organ":
        create_organ(settings, args.name)
        print(f"已创建单位：{args.name}")
        return Exit.OK
    password = args.password
    if password is None:  # asked for, never echoed nor left in the shell history
        import getpass

        password = getpass.getpass("新用户的密码：")
        if getpass.getpass("再输入一次：") != password:
            raise UsageError("两次输入的密码不一致。")
    create_user(settings, args.name, password, args.role, args.organ)
    print(f"已创建用户：{args.name}（{args.role}）")
    return Exit.OK


def cmd_addin(args: argparse.Namespace) -> int:
    """Build, install or remove the Excel ribbon add-in."""
    from gidr_xl.addin import ADDIN_FILE

    if args.action == "build":
        from gidr_xl.addin.build import AddinConfig, build_addin

        given = {
            "interpreter_win": args.interpreter_win,
            "interpreter_mac": args.interpreter_mac,
            "pythonpath": args.pythonpath,
            "conda_path": args.conda_path,
            "conda_env": args.conda_env,
        }
        out = build_addin(Path(args.out), AddinConfig(**{k: v for k, v in given.items() if v}))
        print(f"已生成 Excel 加载项：{out}")
        return Exit.OK
    from gidr_xl.addin.install import install, uninstall

    addin = Path(args.file or Path(args.out) / ADDIN_FILE)
    message = install(addin) if args.action == "install" else uninstall(addin)
    print(message or ("已安装加载项。请重新启动 Excel。" if args.action == "install" else "已移除加载项。"))
    return Exit.OK


# --- the parser: one function per command --------------------------------------------------------


def _command(
    sub: _Sub,
    name: str,
    func: Callable[[argparse.Namespace], int],
    summary: str,
    description: str,
    examples: Sequence[str],
) -> argparse.ArgumentParser:
    """The sub-parser of ``gidr NAME``: a one-line summary, a description and examples."""
    epilog = "示例：\n" + "\n".join(f"  {e}" for e in examples)
    p = sub.add_parser(
        name, help=summary, description=description, epilog=epilog, formatter_class=StackedFormatter
    )
    p.set_defaults(func=func)
    return p


def _overwrite(p: argparse.ArgumentParser, what: str = "输出文件") -> None:
    p.add_argument("--overwrite", action="store_true", help=f"允许覆盖已存在的{what}")


def _show_all(p: argparse.ArgumentParser) -> None:
    p.add_argument("--all", action="store_true", help=f"显示全部问题（默认最多显示 {SHOWN_FINDINGS} 项）")


def _add_new(sub: _Sub) -> None:
    p = _command(
        sub,
        "new",
        cmd_new,
        "生成年报工作簿（空白模板或示例）",
        "生成带实时校验的年报工作簿：按格式版本和/或报告年度生成空白模板，或用 --sample 生成内置示例。"
        "\n报告年度与格式版本不符时（如 2021 年以后的报告用 2019 格式）拒绝生成。",
        [
            "gidr new --format 2021 --year 2025 --org 某某局 -o build/某某局-2025.xlsx",
            "gidr new --year 2020 --org 某某局",
            "gidr new --sample jianghai-2019 -o build/江海区-2019.xlsx",
        ],
    )
    p.add_argument(
        "--format",
        metavar="版本",
        help="格式版本：2019（国办公开办函〔2019〕60号）或 2021（国办公开办函〔2021〕30号）；不给时按 --year 确定",
    )
    p.add_argument("--year", type=int, metavar="年度", help="报告年度，如 2025；不给时取该格式的最近年度")
    p.add_argument("--org", metavar="机关名称", help="机关名称（写入封面）")
    p.add_argument("--sample", metavar="示例", help="生成内置示例：jianghai-2019 或 example-2021")
    p.add_argument(
        "-o",
        "--output",
        metavar="文件",
        help="输出的 .xlsx 路径（默认 build/机关名称-年度.xlsx，示例为 build/示例名.xlsx）",
    )
    _overwrite(p)
    p.add_argument(
        "--force", dest="overwrite", default=False, action=_ForceMeansOverwrite, help=argparse.SUPPRESS
    )


def _add_validate(sub: _Sub) -> None:
    p = _command(
        sub,
        "validate",
        cmd_validate,
        "校验填好的工作簿",
        "校验填好的工作簿并列出问题；退出码 0 表示通过，1 表示有错误。"
        "\n--annotate 把标色、批注和“校验结果”工作表写入一个副本，原工作簿不变。",
        [
            "gidr validate build/江海区-2019.xlsx",
            "gidr validate 本年.xlsx --prior 上年.xlsx --json",
            "gidr validate build/江海区-2019.xlsx --annotate build/江海区-2019-已标记.xlsx",
        ],
    )
    p.add_argument("file", metavar="工作簿", help="要校验的 .xlsx 文件")
    p.add_argument("--json", action="store_true", help="以 JSON 输出校验结果")
    _show_all(p)
    p.add_argument("--annotate", metavar="副本.xlsx", help="把标色、批注和“校验结果”工作表写入这个副本")
    p.add_argument("--prior", metavar="上年.xlsx", help="上年度的年报工作簿（两种格式均可），用于跨年度核对")
    _overwrite(p, "副本（--annotate）")


def _add_build(sub: _Sub) -> None:
    p = _command(
        sub,
        "build",
        cmd_build,
        "校验并生成年度报告（.docx，可选 PDF、HTML）",
        "先校验工作簿；通过后生成年度报告 .docx（可同时生成 PDF 和网页版 HTML）。"
        "\n有错误时只列出问题、不生成报告（退出码 1），除非加 --force 生成注明“未通过校验”的核对稿。",
        [
            "gidr build build/江海区-2019.xlsx --pdf --html",
            "gidr build 某某局-2025.xlsx -o 核对稿.docx --force --overwrite",
        ],
    )
    p.add_argument("file", metavar="工作簿", help="填好的 .xlsx 工作簿")
    p.add_argument("-o", "--output", metavar="文件", help="输出的 .docx 路径（默认与工作簿同名同目录）")
    p.add_argument("--pdf", action="store_true", help="同时生成 PDF（需要 LibreOffice）")
    p.add_argument("--html", action="store_true", help="同时生成网页版 HTML")
    p.add_argument("--force", action="store_true", help="校验未通过也生成（报告顶部注明“未通过校验”）")
    _overwrite(p)
    _show_all(p)


def _add_import(sub: _Sub) -> None:
    p = _command(
        sub,
        "import",
        cmd_import,
        "把已发布的年报（.txt/.html/.docx/.pdf）读回工作簿并校验",
        "读取已发布的年报（.txt、.html、.docx、文字版 .pdf），写成工作簿（含逐格来源的“导入来源”工作表）并校验。",
        [
            "gidr import 江海区-2019.txt -o build/江海区-2019.xlsx",
            "gidr import 某某局2025年报.html --year 2025 --org 某某局",
        ],
    )
    p.add_argument("file", metavar="年报文件", help="已发布的年报文件")
    p.add_argument("-o", "--output", metavar="文件", help="输出的 .xlsx（默认与原文件同名同目录）")
    p.add_argument("--year", type=int, metavar="年度", help="报告年度（标题中识别不出时使用）")
    p.add_argument("--org", metavar="机关名称", help="机关名称（标题中识别不出时使用）")
    _overwrite(p)
    _show_all(p)


def _add_audit(sub: _Sub) -> None:
    p = _command(
        sub,
        "audit",
        cmd_audit,
        "批量审核已发布的年报：导入、校验、分类，输出 CSV 和 Excel 汇总",
        "导入并校验一批已发布的年报，每份给出结论（一致 / 勾稽关系不一致 / 部分未能读取 / 无表格）。"
        "\n写出 汇总.csv、同名 .xlsx 和 汇总-findings.csv；全部一致时退出码为 0，否则为 1。",
        [
            "gidr audit 已发布年报/ --out build/审核.csv --prior",
            "gidr audit a.txt b.html c.pdf --out build/审核 --overwrite",
        ],
    )
    p.add_argument(
        "paths", nargs="+", metavar="路径", help="年报文件或目录（目录中的 .txt/.html/.docx/.pdf 全部审核）"
    )
    p.add_argument(
        "--out", required=True, metavar="汇总", help="汇总路径（写 .csv、同名 .xlsx 和 *-findings.csv）"
    )
    p.add_argument("--prior", action="store_true", help="同一机关相邻两年的报告都在时做跨年度核对")
    _overwrite(p, "汇总文件")


def _add_consolidate(sub: _Sub) -> None:
    p = _command(
        sub,
        "consolidate",
        cmd_consolidate,
        "汇总多个单位的年报（表二、表三、表四），或核对上级报告与下级合计",
        "把同一年度、同一格式的多个工作簿的表二、表三、表四逐格相加，写成汇总工作簿并校验；"
        "\n或用 --check-parent 核对上级报告与各下级报告合计是否逐格一致。",
        [
            "gidr consolidate a.xlsx b.xlsx c.xlsx -o 汇总.xlsx --org 某某区",
            "gidr consolidate a.xlsx b.xlsx c.xlsx --check-parent 某某区.xlsx",
        ],
    )
    p.add_argument("files", nargs="+", metavar="工作簿", help="各单位的 .xlsx 工作簿（同一年度、同一格式）")
    p.add_argument("-o", "--output", metavar="文件", help="汇总工作簿的输出路径")
    p.add_argument("--org", metavar="机关名称", help="汇总单位名称，如“某某区”")
    p.add_argument(
        "--check-parent", metavar="上级.xlsx", help="核对该上级报告与各下级报告合计是否逐格一致（不写文件）"
    )
    _overwrite(p)


def _add_batch(sub: _Sub) -> None:
    p = _command(
        sub,
        "batch",
        cmd_batch,
        "并行校验并编译一个目录中的全部工作簿",
        "并行校验目录（含子目录）中的全部 .xlsx 工作簿，为通过的生成 .docx，"
        "\n并写出 summary.csv 和 summary.json。",
        ["gidr batch 收到的工作簿/ --jobs 2 --out build/批量结果"],
    )
    p.add_argument("dir", metavar="目录", help="工作簿所在目录")
    p.add_argument("--jobs", type=int, default=2, metavar="进程数", help="并行进程数（默认 2）")
    p.add_argument(
        "--out", required=True, metavar="目录", help="输出目录（报告与 summary.csv / summary.json）"
    )
    _overwrite(p, "报告和汇总")


def _add_serve(sub: _Sub) -> None:
    p = _command(
        sub,
        "serve",
        cmd_serve,
        "启动报送服务（默认 SQLite）",
        "启动报送服务（网页和 JSON API；API 文档在 /docs）。数据库默认为数据目录中的 SQLite，"
        "\n也可用环境变量 GIDR_DATABASE_URL 指定 PostgreSQL。",
        ["gidr serve --workers 2", "gidr serve --host 0.0.0.0 --port 8080 --data-dir /srv/gidr-data"],
    )
    p.add_argument(
        "--host", default="127.0.0.1", metavar="地址", help="监听地址（默认 127.0.0.1，仅本机可访问）"
    )
    p.add_argument("--port", type=int, default=8000, metavar="端口", help="监听端口（默认 8000）")
    p.add_argument("--data-dir", metavar="目录", help="数据目录（默认环境变量 GIDR_DATA_DIR 或 ./gidr-data）")
    p.add_argument(
        "--workers", type=int, default=1, metavar="进程数", help="服务进程数（默认 1；多核服务器可设为核数）"
    )


def _add_admin(sub: _Sub) -> None:
    p = _command(
        sub,
        "admin",
        cmd_admin,
        "报送服务管理：create-organ 单位名；create-user 用户名 --password --role --organ",
        "创建报送服务的填报单位和用户。不给 --password 时提示输入两次（不回显）。",
        [
            "gidr admin create-organ 江海区政府办公室",
            "gidr admin create-user jianghai --role organ --organ 江海区政府办公室",
            "gidr admin create-user boss --role supervisor",
        ],
    )
    p.add_argument(
        "action",
        choices=["create-organ", "create-user"],
        metavar="操作",
        help="create-organ（创建填报单位）或 create-user（创建用户）",
    )
    p.add_argument("name", metavar="名称", help="单位名称或用户名")
    p.add_argument(
        "--password", metavar="密码", help="用户密码（至少 8 位，含字母、数字、符号中的两类；不给则提示输入）"
    )
    p.add_argument(
        "--role", default="organ", metavar="角色", help="organ（填报单位，默认）或 supervisor（主管部门）"
    )
    p.add_argument("--organ", metavar="单位", help="填报单位用户所属的单位")
    p.add_argument("--data-dir", metavar="目录", help="数据目录（默认环境变量 GIDR_DATA_DIR 或 ./gidr-data）")


def _add_addin(sub: _Sub) -> None:
    p = _command(
        sub,
        "addin",
        cmd_addin,
        "Excel 功能区加载项：build 生成、install 安装、uninstall 移除",
        "生成、安装或移除 Excel 功能区加载项（“政府信息公开年报”选项卡的 校验 按钮）。"
        "\n安装和移除需要装有 Excel 的 Windows 或 macOS 以及 gidr-xl[addin]。",
        [
            "gidr addin build",
            "gidr addin build --interpreter-win C:\\gidr-xl\\Scripts\\pythonw.exe",
            "gidr addin install",
        ],
    )
    p.add_argument(
        "action",
        choices=["build", "install", "uninstall"],
        metavar="操作",
        help="build（生成）、install（安装）或 uninstall（移除）",
    )
    p.add_argument("--out", default="build", metavar="目录", help="加载项所在目录（默认 build）")
    p.add_argument(
        "-f", "--file", metavar="文件", help="install/uninstall：加载项文件（默认 build/gidr_xl.xlam）"
    )
    p.add_argument(
        "--interpreter-win",
        metavar="路径",
        help="Windows 上 Python 解释器路径（默认 %%LOCALAPPDATA%%\\gidr-xl\\Scripts\\pythonw.exe）",
    )
    p.add_argument(
        "--interpreter-mac",
        metavar="路径",
        help="macOS 上 Python 解释器路径（默认 $HOME/gidr-xl/bin/python）",
    )
    p.add_argument("--pythonpath", metavar="路径", help="额外的 PYTHONPATH（可留空）")
    p.add_argument("--conda-path", metavar="目录", help="使用 Conda 时：Conda 安装目录")
    p.add_argument("--conda-env", metavar="环境名", help="使用 Conda 时：环境名")


def _add_demo(sub: _Sub) -> None:
    p = _command(
        sub,
        "demo",
        cmd_demo,
        "用内置示例演示：生成工作簿并校验",
        "在输出目录中生成空白模板和两个内置示例，校验示例并为通过的生成报告（.docx、HTML，有 LibreOffice 时另有 PDF）。"
        "\n每次运行都重新生成该目录中的这些文件。",
        ["gidr demo", "gidr demo --out build/演示"],
    )
    p.add_argument(
        "--out", default="build/demo", metavar="目录", help="输出目录（默认 build/demo，每次运行重新生成）"
    )


_COMMANDS: tuple[Callable[[_Sub], None], ...] = (
    _add_new,
    _add_validate,
    _add_build,
    _add_import,
    _add_audit,
    _add_consolidate,
    _add_batch,
    _add_serve,
    _add_admin,
    _add_addin,
    _add_demo,
)


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseParser(
        prog="gidr",
        description="政府信息公开工作年度报告工具：生成带校验的 Excel 模板、校验填好的工作簿、生成年度报告。",
        epilog="示例：\n  gidr new --format 2021 --year 2025 --org 某某局\n  gidr validate 某某局-2025.xlsx",
    )
    parser.add_argument("--debug", action="store_true", help="出错时显示详细的程序调用栈")
    parser.add_argument(
        "--version", action="version", version=f"gidr-xl {__version__}", help="显示版本号并退出"
    )
    sub = parser.add_subparsers(
        title="子命令",
        dest="command",
        metavar="命令",
        required=True,
        parser_class=ChineseParser,
        help="以下之一；各命令的用法见 gidr 命令 -h",
    )
    for add in _COMMANDS:
        add(sub)
    return parser


# --- README's 命令参考 ----------------------------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, tuple[str, argparse.ArgumentParser]]:
    """name → (summary, parser) of every sub-command (argparse offers no public way to list them)."""
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    summaries = {a.dest: a.help or "" for a in action._choices_actions}
    return {name: (summaries[name], p) for name, p in action.choices.items()}


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The documented arguments of ``parser`` (not -h, nor hidden ones)."""
    return [
        a
        for a in parser._actions
        if a.help is not argparse.SUPPRESS
        and not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
    ]


def _invocation(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.metavar or action.dest}`"
    takes_value = action.nargs != 0
    value = f" {action.metavar or action.dest.upper()}" if takes_value else ""
    return "、".join(f"`{s}{value}`" for s in action.option_strings)


def _help_text(action: argparse.Action, prog: str) -> str:
    text = (action.help or "") % {**vars(action), "prog": prog}  # as argparse expands it
    return text.replace("|", "\\|")


def _usage(parser: argparse.ArgumentParser) -> str:
    formatter = parser.formatter_class
    parser.formatter_class = functools.partial(formatter, width=100_000)  # one line, any terminal
    try:
        return parser.format_usage().removeprefix("用法：").strip()
    finally:
        parser.formatter_class = formatter


def _section(parser: argparse.ArgumentParser, title: str) -> list[str]:
    lines = [title, "", "```text", _usage(parser), "```", ""]
    if parser.description:
        lines += [parser.description.replace("\n", ""), ""]
    lines += ["| 参数 | 说明 |", "|---|---|"]
    lines += [f"| {_invocation(a)} | {_help_text(a, parser.prog)} |" for a in _options(parser)]
    if parser.epilog:
        examples = [e.strip() for e in parser.epilog.splitlines()[1:] if e.startswith("  ")]
        lines += ["", "```bash", *examples, "```"]
    return [*lines, ""]


def reference_markdown() -> str:
    """README.md's 命令参考, generated from the parser (``python scripts/gen_cli_docs.py``)."""
    parser = build_parser()
    commands = _subcommands(parser)
    lines = [
        "本节由 `python scripts/gen_cli_docs.py` 根据命令行定义生成，请勿手工修改。",
        "",
        "| 命令 | 用途 |",
        "|---|---|",
        *(f"| [`gidr {name}`](#gidr-{name}) | {summary} |" for name, (summary, _) in commands.items()),
        "",
        *_section(parser, "### `gidr`"),
    ]
    for name, (_, sub) in commands.items():
        lines += _section(sub, f"### `gidr {name}`")
    lines.append("退出码：0 通过（无错误），1 有错误，2 文件无法使用或参数有误，3 程序内部错误。")
    return "\n".join(lines) + "\n"


# --- entry point ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except GidrError as exc:  # unusable input, impossible arguments, an existing output
        print(f"gidr：{exc}", file=sys.stderr)
        return Exit.UNUSABLE
    except KeyboardInterrupt:
        return Exit.UNUSABLE
    except BrokenPipeError:
        # the reader of our output went away (``gidr … | head``): nothing is wrong with the input
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return Exit.OK
    except ModuleNotFoundError as exc:
        message = missing_extra_message(exc)
        if message is None:
            return _internal_error(args, exc)
        print(f"gidr：{message}", file=sys.stderr)
        return Exit.UNUSABLE
    except Exception as exc:
        return _internal_error(args, exc)


def _internal_error(args: argparse.Namespace, exc: Exception) -> int:
    if args.debug:
        traceback.print_exc()
    print(
        f"gidr：程序内部错误（{type(exc).__name__}: {exc}）。请加 --debug 重试并把输出反馈给维护者。",
        file=sys.stderr,
    )
    return Exit.INTERNAL


if __name__ == "__main__":
    sys.exit(main())
