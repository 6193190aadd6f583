"""``gidr`` command line: thin front-end over the library (no rule or check of its own).

Examples::

    gidr new --format 2021 --year 2025 --org 某某局 -o build/某某局-2025.xlsx
    gidr new --sample jianghai-2019 -o build/江海区-2019.xlsx
    gidr validate build/江海区-2019.xlsx [--json]
    gidr build build/江海区-2019.xlsx --pdf --html
    gidr validate build/江海区-2019.xlsx --annotate build/江海区-2019-已标记.xlsx
    gidr addin build
    gidr validate 本年.xlsx --prior 上年.xlsx
    gidr consolidate a.xlsx b.xlsx c.xlsx -o 汇总.xlsx --org 某某区
    gidr import 江海区-2019.txt -o build/江海区-2019.xlsx
    gidr audit 已发布年报/ --out build/审核.csv --prior
    gidr demo
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path

from gidr_xl.errors import GidrError, UnusableWorkbookError, UsageError
from gidr_xl.extras import missing_extra_message
from gidr_xl.version import __version__


class Exit(IntEnum):
    OK = 0  # no errors
    FINDINGS = 1  # the report has errors
    UNUSABLE = 2  # bad usage, or a file that cannot be read as our workbook
    INTERNAL = 3  # a bug: please report it


class _Parser(argparse.ArgumentParser):
    """argparse with Chinese error lines and our exit code for usage errors."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(Exit.UNUSABLE, f"gidr：参数有误：{message}\n")


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise UsageError(
            f"输出文件 {path} 已存在。为避免覆盖已填写的内容，请换一个文件名，或加 --force 覆盖。"
        )


def cmd_new(args: argparse.Namespace) -> int:
    """Write a blank (or sample-filled) workbook."""
    from gidr_xl.samples import load_sample
    from gidr_xl.spec.loader import format_for_year, load_format
    from gidr_xl.template.writer import write_workbook

    if args.sample:
        spec, values = load_sample(args.sample)
        out = Path(args.output or f"build/{args.sample}.xlsx")
        _refuse_overwrite(out, args.force)
        write_workbook(spec, out, values=values)
        print(f"已生成示例工作簿：{out}（{spec.name}）")
        return Exit.OK
    if args.format is None and args.year is None:
        raise UsageError(
            "请用 --format（2019 或 2021）或 --year 指定格式，例如：gidr new --format 2021 --year 2025 --org 某某局"
        )
    spec = load_format(args.format) if args.format else format_for_year(args.year)
    year = args.year if args.year is not None else max(spec.first_year, spec.last_year or spec.first_year)
    if not spec.covers_year(year):
        right = format_for_year(year)
        raise UsageError(
            f"{year} 年度报告应使用 {right.name} 格式（--format {right.id[2:]}），不能使用 {spec.name}。"
        )
    org = args.org or ""
    out = Path(args.output or f"build/{org or '年报'}-{year}.xlsx")
    _refuse_overwrite(out, args.force)
    write_workbook(spec, out, org=org, year=year)
    print(f"已生成 {year} 年度报告工作簿：{out}（{spec.name}）")
    return Exit.OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate a filled workbook and print the findings."""
    from gidr_xl.outputs import json_report, text
    from gidr_xl.reader.workbook import read_report
    from gidr_xl.validate.validator import validate

    try:
        prior = read_report(Path(args.prior)) if args.prior else None
        if args.annotate:
            result = _annotate(Path(args.file), Path(args.annotate), args.overwrite, prior)
        else:
            result = validate(read_report(Path(args.file)), prior)
    except UnusableWorkbookError as exc:
        if args.json:
            print(json_report.unusable(args.file, str(exc)))
            return Exit.UNUSABLE
        raise
    print(json_report.dumps(result) if args.json else text.render(result, None if args.all else 50))
    if args.annotate and not args.json:
        print(f"已将标记写入副本：{args.annotate}")
    return Exit.OK if result.ok else Exit.FINDINGS


def _annotate(source: Path, out: Path, overwrite: bool, prior=None):
    """Validate exactly as ``validate`` does, then save a marked copy (never the original).

    The file is read by the gated reader (so both commands refuse the same files and find the
    same findings); openpyxl, behind the same gate, only writes the marks."""
    from gidr_xl.access.openpyxl_book import OpenpyxlBook
    from gidr_xl.outputs.annotate import annotate
    from gidr_xl.reader.workbook import read_report
    from gidr_xl.validate.validator import validate

    if out.resolve() == source.resolve():
        raise UsageError("--annotate 的输出文件不能是被校验的工作簿本身，请另取文件名。")
    _refuse_overwrite(out, overwrite)
    result = validate(read_report(source), prior)
    book = OpenpyxlBook(source)
    annotate(book, result)
    book.save_as(out)
    return result


def cmd_build(args: argparse.Namespace) -> int:
    """Validate, then compile the report (.docx; --pdf, --html)."""
    from gidr_xl.compile import compile_report, planned_outputs
    from gidr_xl.outputs import text
    from gidr_xl.reader.workbook import read_report
    from gidr_xl.validate.validator import validate

    source = Path(args.file)
    result = validate(read_report(source))
    if not result.ok and not args.force:
        print(text.render(result, None if args.all else 50))
        print(
            "校验未通过，未生成报告。请修改后重新运行；如需核对稿，可加 --force（报告顶部将注明“未通过校验”）。"
        )
        return Exit.FINDINGS
    outputs = planned_outputs(
        Path(args.output) if args.output else source.with_suffix(".docx"), args.pdf, args.html
    )
    compile_report(result, outputs, force=args.force, overwrite=args.overwrite)
    for path in outputs.written:
        print(f"已生成：{path}")
    if not result.ok:
        print(f"注意：工作簿有 {result.errors} 项错误，报告顶部已注明“未通过校验”。")
    return Exit.OK if result.ok else Exit.FINDINGS


def cmd_demo(args: argparse.Namespace) -> int:
    """Write both samples and a blank 2021 workbook into build/demo/, validate and compile them."""
    from gidr_xl.compile import compile_report, planned_outputs
    from gidr_xl.office import soffice
    from gidr_xl.outputs import text
    from gidr_xl.reader.workbook import read_report
    from gidr_xl.samples import available_samples, load_sample
    from gidr_xl.spec.loader import load_format
    from gidr_xl.template.writer import write_workbook
    from gidr_xl.validate.validator import validate

    out_dir = Path(args.out)
    blank = write_workbook(load_format("2021"), out_dir / "空白模板-2025.xlsx", org="某某局", year=2025)
    print(f"已生成空白模板：{blank}")
    worst = Exit.OK
    for name in available_samples():
        spec, values = load_sample(name)
        path = write_workbook(spec, out_dir / f"{name}.xlsx", values=values)
        result = validate(read_report(path))
        print()
        print(text.render(result))
        if result.ok:
            outputs = planned_outputs(path.with_suffix(".docx"), pdf=soffice() is not None, html=True)
            for written in compile_report(result, outputs, overwrite=True).written:
                print(f"已生成：{written}")
        worst = max(worst, Exit.OK if result.ok else Exit.FINDINGS)
    return worst


def cmd_consolidate(args: argparse.Namespace) -> int:
    """汇总 several organs' workbooks, or compare a parent report with its children."""
    from gidr_xl.consolidate import check_parent, consolidate
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
    from gidr_xl.importer.workbook import import_report, write_imported
    from gidr_xl.outputs import text
    from gidr_xl.validate.validator import validate

    source = Path(args.file)
    out = Path(args.output or source.with_suffix(".xlsx"))
    _refuse_overwrite(out, args.overwrite)
    imported = import_report(source, year=args.year, org=args.org)
    report = imported.report
    write_imported(imported, out)
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
    result = validate(report)
    print(text.render(result, None if args.all else 50))
    return Exit.OK if result.ok else Exit.FINDINGS


def cmd_audit(args: argparse.Namespace) -> int:
    """Import and validate a folder of published reports; write the summary as CSV and .xlsx."""
    from gidr_xl.importer.audit import audit, report_files, write_csv, write_xlsx
    from gidr_xl.importer.classify import CONSISTENT

    files = report_files([Path(p) for p in args.paths])
    if not files:
        raise UsageError("没有找到可审核的年报文件（.txt、.html、.docx、.pdf）。")
    progress = _progress_bar(len(files)) if sys.stderr.isatty() else None
    items = audit([Path(p) for p in args.paths], prior=args.prior, progress=progress)
    if progress is not None:
        print(file=sys.stderr)
    out = Path(args.out)
    csv_path = out.with_suffix(".csv")
    summary, findings = write_csv(items, csv_path)
    workbook = write_xlsx(items, out.with_suffix(".xlsx"))
    counts: dict[str, int] = {}
    for item in items:
        counts[item.assessment.status] = counts.get(item.assessment.status, 0) + 1
    shown = "，".join(f"{k} {v} 份" for k, v in counts.items())
    print(f"已审核 {len(items)} 份年报：{shown}。")
    print(f"汇总：{workbook}（Excel/WPS 打开）；{summary}；问题明细：{findings}")
    return Exit.OK if all(i.assessment.status == CONSISTENT for i in items) else Exit.FINDINGS


def _progress_bar(total: int):
    counter = iter(range(1, total + 1))

    def progress(path: Path) -> None:
        n = next(counter)
        bar = "█" * (20 * n // total)
        print(f"\r[{bar:<20}] {n}/{total} {path.name[:40]}", end="", file=sys.stderr, flush=True)

    return progress


def cmd_batch(args: argparse.Namespace) -> int:
    """Validate and compile every workbook of a folder in parallel; write summary.csv/.json."""
    from gidr_xl.batch import run_batch, write_summary

    source = Path(args.dir)
    files = sorted(source.rglob("*.xlsx")) if source.is_dir() else []
    if not files:
        raise UsageError(f"{source} 中没有 .xlsx 工作簿。")
    items = run_batch(files, Path(args.out), args.jobs, _progress_bar(len(files)))
    print(file=sys.stderr)
    csv_path, json_path = write_summary(items, Path(args.out))
    passed = sum(i.status == "已通过" for i in items)
    print(
        f"共 {len(items)} 个工作簿：{passed} 个通过，{len(items) - passed} 个未通过或无法读取。汇总：{csv_path}、{json_path}"
    )
    if any(i.status == "程序内部错误" for i in items):
        return Exit.INTERNAL  # the others' results are written; this one is a bug to report
    return Exit.OK if passed == len(items) else Exit.FINDINGS


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the submission server (FastAPI under uvicorn; SQLite in the data directory by default)."""
    import os

    import uvicorn

    from gidr_xl.server.app import migrated_engine
    from gidr_xl.server.config import load_settings

    if args.workers < 1:
        raise UsageError("--workers 至少为 1。")
    # settings reach every worker process through the environment; the key and schema are made once here
    settings = load_settings(args.data_dir)
    os.environ["GIDR_DATA_DIR"] = str(settings.data_dir)
    migrated_engine(settings).dispose()
    print(
        f"数据目录：{settings.data_dir}；数据库：{settings.database_url.split('://')[0]}；"
        f"工作进程：{args.workers}；http://{args.host}:{args.port}/docs"
    )
    uvicorn.run(
        "gidr_xl.server.asgi:create",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
    )
    return Exit.OK


def cmd_admin(args: argparse.Namespace) -> int:
    """Create organs and users of the submission server."""
    from gidr_xl.server.admin import create_organ, create_user
    from gidr_xl.server.config import load_settings

    settings = load_settings(args.data_dir)
    if args.action == "create-organ":
        create_organ(settings, args.name)
        print(f"已创建单位：{args.name}")
    else:
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

        defaults = AddinConfig()
        config = AddinConfig(
            interpreter_win=args.interpreter_win or defaults.interpreter_win,
            interpreter_mac=args.interpreter_mac or defaults.interpreter_mac,
            pythonpath=args.pythonpath or "",
            conda_path=args.conda_path or "",
            conda_env=args.conda_env or "",
        )
        out = build_addin(Path(args.out), config)
        print(f"已生成 Excel 加载项：{out}")
        return Exit.OK
    from gidr_xl.addin.install import install, uninstall

    addin = Path(args.file or Path(args.out) / ADDIN_FILE)
    message = install(addin) if args.action == "install" else uninstall(addin)
    print(message or ("已安装加载项。请重新启动 Excel。" if args.action == "install" else "已移除加载项。"))
    return Exit.OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gidr", description="政府信息公开工作年度报告工具：生成带校验的 Excel 模板、校验填好的工作簿。"
    )
    parser.add_argument("--debug", action="store_true", help="出错时显示详细的程序调用栈")
    parser.add_argument("--version", action="version", version=f"gidr-xl {__version__}", help="显示版本号")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("new", help="生成年报工作簿（空白模板或示例）")
    p.add_argument(
        "--format", help="格式版本：2019（国办公开办函〔2019〕60号）或 2021（国办公开办函〔2021〕30号）"
    )
    p.add_argument("--year", type=int, help="报告年度，如 2025")
    p.add_argument("--org", help="机关名称")
    p.add_argument("--sample", help="生成内置示例：jianghai-2019 或 example-2021")
    p.add_argument("-o", "--output", help="输出文件路径（.xlsx）")
    p.add_argument("--force", action="store_true", help="允许覆盖已存在的输出文件")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("validate", help="校验填好的工作簿")
    p.add_argument("file", help="要校验的 .xlsx 文件")
    p.add_argument("--json", action="store_true", help="以 JSON 输出校验结果")
    p.add_argument("--all", action="store_true", help="显示全部问题（默认最多显示 50 项）")
    p.add_argument("--annotate", metavar="OUT.xlsx", help="把标色、批注和“校验结果”工作表写入一个副本")
    p.add_argument("--prior", metavar="LAST.xlsx", help="上年度的年报工作簿（两种格式均可），用于跨年度核对")
    p.add_argument("--overwrite", action="store_true", help="允许覆盖已存在的副本")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("build", help="校验并生成年度报告（.docx，可选 PDF、HTML）")
    p.add_argument("file", help="填好的 .xlsx 工作簿")
    p.add_argument("-o", "--output", help="输出的 .docx 路径（默认与工作簿同名同目录）")
    p.add_argument("--pdf", action="store_true", help="同时生成 PDF（需要 LibreOffice）")
    p.add_argument("--html", action="store_true", help="同时生成网页版 HTML")
    p.add_argument("--force", action="store_true", help="校验未通过也生成（报告顶部注明“未通过校验”）")
    p.add_argument("--overwrite", action="store_true", help="允许覆盖已存在的输出文件")
    p.add_argument("--all", action="store_true", help="显示全部问题")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("import", help="把已发布的年报（.txt/.html/.docx/.pdf）读回工作簿并校验")
    p.add_argument("file", help="已发布的年报文件")
    p.add_argument("-o", "--output", help="输出的 .xlsx（默认与原文件同名）")
    p.add_argument("--year", type=int, help="报告年度（标题中识别不出时使用）")
    p.add_argument("--org", help="机关名称（标题中识别不出时使用）")
    p.add_argument("--overwrite", action="store_true", help="允许覆盖已存在的输出文件")
    p.add_argument("--all", action="store_true", help="显示全部问题")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("audit", help="批量审核已发布的年报：导入、校验、分类，输出 CSV 和 Excel 汇总")
    p.add_argument("paths", nargs="+", help="年报文件或目录")
    p.add_argument("--out", required=True, help="汇总路径（写 .csv、同名 .xlsx 和 *-findings.csv）")
    p.add_argument("--prior", action="store_true", help="同一机关相邻两年的报告都在时做跨年度核对")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("consolidate", help="汇总多个单位的年报（表二、表三、表四），或核对上级报告与下级合计")
    p.add_argument("files", nargs="+", help="各单位的 .xlsx 工作簿（同一年度、同一格式）")
    p.add_argument("-o", "--output", help="汇总工作簿的输出路径")
    p.add_argument("--org", help="汇总单位名称，如“某某区”")
    p.add_argument("--check-parent", metavar="PARENT.xlsx", help="核对该上级报告与各下级报告合计是否逐格一致")
    p.add_argument("--overwrite", action="store_true", help="允许覆盖已存在的输出文件")
    p.set_defaults(func=cmd_consolidate)

    p = sub.add_parser("batch", help="并行校验并编译一个目录中的全部工作簿")
    p.add_argument("dir", help="工作簿所在目录")
    p.add_argument("--jobs", type=int, default=2, help="并行进程数（默认 2）")
    p.add_argument("--out", required=True, help="输出目录（报告与 summary.csv / summary.json）")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("serve", help="启动报送服务（默认 SQLite）")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data-dir", help="数据目录（默认环境变量 GIDR_DATA_DIR 或 ./gidr-data）")
    p.add_argument("--workers", type=int, default=1, help="工作进程数（默认 1；多核服务器可设为核数）")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "admin", help="报送服务管理：create-organ 单位名；create-user 用户名 --password --role --organ"
    )
    p.add_argument("action", choices=["create-organ", "create-user"])
    p.add_argument("name", help="单位名称或用户名")
    p.add_argument("--password", help="用户密码（至少 8 位，含字母、数字、符号中的两类；不给则提示输入）")
    p.add_argument("--role", default="organ", help="organ（填报单位）或 supervisor（主管部门）")
    p.add_argument("--organ", help="填报单位用户所属单位")
    p.add_argument("--data-dir", help="数据目录")
    p.set_defaults(func=cmd_admin)

    p = sub.add_parser("addin", help="Excel 功能区加载项：build 生成、install 安装、uninstall 移除")
    p.add_argument("action", choices=["build", "install", "uninstall"])
    p.add_argument("--out", default="build", help="加载项所在目录（默认 build）")
    p.add_argument("-f", "--file", help="install/uninstall：加载项文件（默认 build/gidr_xl.xlam）")
    p.add_argument(
        "--interpreter-win",
        help="Windows 上 Python 解释器路径（默认 %%LOCALAPPDATA%%\\gidr-xl\\Scripts\\pythonw.exe）",
    )
    p.add_argument("--interpreter-mac", help="macOS 上 Python 解释器路径（默认 $HOME/gidr-xl/bin/python）")
    p.add_argument("--pythonpath", help="额外的 PYTHONPATH（可留空）")
    p.add_argument("--conda-path", help="使用 Conda 时：Conda 安装目录")
    p.add_argument("--conda-env", help="使用 Conda 时：环境名")
    p.set_defaults(func=cmd_addin)

    p = sub.add_parser("demo", help="用内置示例演示：生成工作簿并校验")
    p.add_argument("--out", default="build/demo", help="输出目录（默认 build/demo，每次运行重新生成）")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UnusableWorkbookError as exc:
        print(f"gidr：{exc}", file=sys.stderr)
        return Exit.UNUSABLE
    except GidrError as exc:
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
