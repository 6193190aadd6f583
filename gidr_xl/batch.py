"""Validate and compile many workbooks in parallel (``gidr batch DIR --jobs N --out DIR``)."""

from __future__ import annotations

import csv
import json
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gidr_xl.errors import GidrError


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
        "已通过" if result.ok else "校验未通过",
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
                    BatchItem(
                        str(futures[future]), "程序内部错误", message=f"{type(exc).__name__}: {exc}"[:500]
                    )
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
