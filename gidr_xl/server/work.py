"""CPU and subprocess work off the event loop.

Reading and validating a workbook, compiling a report (LibreOffice for PDF), annotating and
consolidating run in a small pool of worker *processes*, so neither the event loop nor the GIL of
the serving process is held while they run: ``/api/health`` and logins keep answering. Compiles
are bounded by a semaphore (LibreOffice is memory-hungry); password checks are bounded in
security.py. Everything sent to or from a worker is plain data (bytes, paths, dicts).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from gidr_xl.server.gate import check_limits
from gidr_xl.server.refusals import BadRequest, Busy, Conflict, Unsupported

T = TypeVar("T")


@dataclass(frozen=True)
class Checked:
    """What the server keeps of a validated upload."""

    org: str
    year: int | None
    format_id: str
    ok: bool
    errors: int
    warnings: int
    result: dict[str, Any]  # outputs.json_report.to_dict of the validation result


def _validated(path: Path, name: str):  # -> validate.validator.Result
    """Validate the workbook at ``path`` through the hostile-input boundary; a refusal (refusals.py)
    on anything unusable."""
    from gidr_xl.errors import GidrError
    from gidr_xl.opening import open_checked
    from gidr_xl.reader.workbook import read_package
    from gidr_xl.validate.validator import validate

    check_limits(path, name)
    try:
        package = open_checked(path)  # the one gate every entry point uses; members read once
        if any(n.lower().endswith("vbaproject.bin") for n in package.namelist()):
            raise Unsupported(f"{name} 含有宏（VBA），为安全起见不予处理。请另存为不含宏的 .xlsx 后上传。")
        result = validate(read_package(package))
    except GidrError as exc:
        raise BadRequest(str(exc).replace(str(path), name)) from None
    result.report.source = name
    return result


def _with_upload(data: bytes, name: str, then: Callable[[Any], T]) -> T:
    with tempfile.TemporaryDirectory(prefix="gidr-up-") as tmp:
        path = Path(tmp) / "upload.xlsx"
        path.write_bytes(data)
        return then(_validated(path, name))


def check_bytes(data: bytes, name: str) -> Checked:
    """Validate uploaded bytes (in a worker process)."""
    from gidr_xl.outputs.json_report import to_dict

    def keep(result) -> Checked:
        return Checked(
            org=str(result.report.org or ""),
            year=result.report.year,
            format_id=result.report.spec.id,
            ok=result.ok,
            errors=result.errors,
            warnings=result.warnings,
            result=to_dict(result),
        )

    return _with_upload(data, name, keep)


def _compiled(result, kind: str) -> bytes:
    from gidr_xl.compile import compile_report, planned_outputs

    if not result.ok:
        raise Conflict(f"校验未通过（{result.errors} 项错误），不能生成正式报告。")
    with tempfile.TemporaryDirectory(prefix="gidr-doc-") as tmp:
        out = compile_report(
            result, planned_outputs(Path(tmp) / "report.docx", kind == "pdf", kind == "html")
        )
        path = {"docx": out.docx, "pdf": out.pdf, "html": out.html}[kind]
        return path.read_bytes() if path else b""


def compile_upload_bytes(data: bytes, name: str, kind: str) -> bytes:
    """Validate uploaded bytes and compile them into docx, pdf or html (in a worker process)."""
    return _with_upload(data, name, lambda result: _compiled(result, kind))


def compile_stored(path: str, name: str, kind: str) -> bytes:
    """The report of a stored submission (in a worker process)."""
    return _compiled(_validated(Path(path), name), kind)


def annotated_bytes(path: str, name: str) -> bytes:
    """The stored workbook with its findings marked (in a worker process): the same marked copy
    as ``gidr validate --annotate`` (rebuilt from the template when the file cannot be copied)."""
    from gidr_xl.checking import annotate_copy
    from gidr_xl.errors import GidrError

    with tempfile.TemporaryDirectory(prefix="gidr-ann-") as tmp:
        try:
            return annotate_copy(Path(path), Path(tmp) / "annotated.xlsx").path.read_bytes()
        except GidrError as exc:
            raise BadRequest(str(exc).replace(str(path), name)) from None


def consolidate_paths(paths: list[str]) -> tuple[str, dict[str, Any]]:
    """(format id, {cell ref: sum}) of tables 二/三/四 over the stored workbooks (in a worker process)."""
    from gidr_xl.consolidate import sum_values
    from gidr_xl.reader.workbook import read_report

    reports = [read_report(Path(p)) for p in paths]
    if len({r.spec.id for r in reports}) > 1:
        raise Conflict("该年度的报送使用了不同的格式版本，无法汇总。")
    sums = sum_values(reports[0].spec, reports)
    return reports[0].spec.id, {reports[0].spec.cell(c).ref: v for c, v in sums.items()}


def template_bytes(year: int, org: str) -> bytes:
    """A blank workbook of ``year``'s format (in a worker process)."""
    from gidr_xl.errors import GidrError
    from gidr_xl.spec.loader import format_for_year
    from gidr_xl.template.writer import write_workbook

    try:
        spec = format_for_year(year)
    except GidrError as exc:
        raise BadRequest(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="gidr-tpl-") as tmp:
        return write_workbook(spec, Path(tmp) / "t.xlsx", org=org, year=year).read_bytes()


def _warm() -> int:
    import gidr_xl.outputs.json_report
    import gidr_xl.reader.workbook
    import gidr_xl.validate.validator  # noqa: F401

    return os.getpid()


class Workers:
    """A bounded process pool (started lazily, spawn: no fork of a threaded server) and a compile gate."""

    def __init__(self, processes: int, compiles: int) -> None:
        self.processes = max(1, processes)
        self._pool: ProcessPoolExecutor | None = None
        self._compiles = asyncio.Semaphore(max(1, compiles))

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def warm(self) -> None:
        """Start the worker processes now, so the first upload does not wait for their imports."""
        pool = self._executor()
        for _ in range(self.processes):
            pool.submit(_warm)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker process; its refusals (refusals.py) come back unchanged."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), partial(fn, *args))
        except BrokenProcessPool:
            self.close()  # a worker died (e.g. out of memory): a fresh pool next time
            raise Busy("服务器繁忙，处理进程意外退出，请稍后重试。") from None

    async def compile(self, fn: Callable[..., T], *args: Any) -> T:
        """Like run, with at most ``compiles`` report compiles (LibreOffice) at a time."""
        async with self._compiles:
            return await self.run(fn, *args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
