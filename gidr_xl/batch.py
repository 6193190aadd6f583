"""Validate and compile many workbooks in parallel (``gidr batch DIR --jobs N --out DIR``)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gidr_xl.errors import GidrError, UsageError
from gidr_xl.paths import refuse_overwrite

#: Status of a workbook that passed; the others are 校验未通过, 无法读取 and 程序内部错误.
PASSED = "已通过"
INTERNAL = "程序内部错误"


@dataclass
class BatchItem:
    file: str
    status: str  # 已通过 / 校验未通过 / 无法读取
    org: str = ""
    year: int | None = None
    format: str = ""
    errors: int = 0
    warnings: int = 0
    outputs: list[str] = field(default_factory=list)
    message: str = ""
    findings: list[dict] = field(default_factory=list)


def process(path: Path, out_dir: Path) -> BatchItem:
    """One workbook: validate; when it passes, compile its .docx into ``out_dir``."""
    from gidr_xl.compile import compile_report, planned_outputs
    from gidr_xl.reader.workbook import read_report
    from gidr_xl.validate.validator import validate

    try:
        result = validate(read_report(path))
    except GidrError as exc:
        return BatchItem(str(path), "无法读取", message=str(exc))
    report = result.report
    item = BatchItem(
        str(path),
        PASSED if result.ok else "校验未通过",
        report.org,
        report.year,
        report.spec.id,
        result.errors,
        result.warnings,
        findings=[f.to_dict() for f in result.findings],
    )
    if result.ok:
        target = out_dir / f"{path.stem}.docx"
        outputs = compile_report(result, planned_outputs(target, pdf=False, html=False), overwrite=True)
        item.outputs = [str(p) for p in outputs.written]
    return item


def workbook_files(folder: Path) -> list[Path]:
    """Every .xlsx workbook under ``folder``; refuses a folder without any."""
    files = sorted(folder.rglob("*.xlsx")) if folder.is_dir() else []
    if not files:
        raise UsageError(f"{folder} 中没有 .xlsx 工作簿。")
    return files


def run_batch(files: list[Path], out_dir: Path, jobs: int, progress=None) -> list[BatchItem]:
    out_dir.mkdir(parents=True, exist_ok=True)
    items: list[BatchItem] = []
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(process, f, out_dir): f for f in files}
        for future in as_completed(futures):
            try:
                items.append(future.result())
            except Exception as exc:  # a bug in one file must not lose the other files' results
                items.append(
                    BatchItem(str(futures[future]), INTERNAL, message=f"{type(exc).__name__}: {exc}"[:500])
                )
            if progress is not None:
                progress(futures[future])
    items.sort(key=lambda i: i.file)
    return items


def write_summary(items: list[BatchItem], out_dir: Path) -> tuple[Path, Path]:
    csv_path, json_path = out_dir / "summary.csv", out_dir / "summary.json"
    with csv_path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["文件", "状态", "机关名称", "报告年度", "格式", "错误", "警告", "输出", "说明"])
        for i in items:
            writer.writerow(
                [
                    i.file,
                    i.status,
                    i.org,
                    i.year,
                    i.format,
                    i.errors,
                    i.warnings,
                    ";".join(i.outputs),
                    i.message,
                ]
            )
    json_path.write_text(
        json.dumps([asdict(i) for i in items], ensure_ascii=False, indent=2, allow_nan=False),
        encoding="utf-8",
    )
    return csv_path, json_path


@dataclass
class BatchRun:
    """One ``gidr batch``: a verdict per workbook and the summary files."""

    items: list[BatchItem]
    csv: Path
    json: Path

    @property
    def passed(self) -> int:
        return sum(i.status == PASSED for i in self.items)

    @property
    def internal_errors(self) -> bool:
        return any(i.status == INTERNAL for i in self.items)


def batch_folder(
    folder: Path,
    out_dir: Path,
    jobs: int = 2,
    progress: Callable[[int, int, Path], None] | None = None,
    overwrite: bool = False,
) -> BatchRun:
    """Validate every workbook under ``folder`` and compile those that pass into ``out_dir``.

    ``progress(done, total, path)`` is called after each workbook. Refuses when a summary or a
    report it would write exists already, unless ``overwrite``."""
    files = workbook_files(folder)
    planned = [
        out_dir / "summary.csv",
        out_dir / "summary.json",
        *(out_dir / f"{f.stem}.docx" for f in files),
    ]
    refuse_overwrite(*planned, overwrite=overwrite)
    done = iter(range(1, len(files) + 1))

    def step(path: Path) -> None:
        if progress is not None:
            progress(next(done), len(files), path)

    items = run_batch(files, out_dir, jobs, step)
    return BatchRun(items, *write_summary(items, out_dir))
