"""The server's upload gate: cheap limits on the zip container before any workbook parser runs.

The reader (opening.py) already refuses non-workbooks, encryption and blatant zip bombs.
A server that takes files from many hands needs tighter limits sized to real annual reports
(well under 1 MB uncompressed; a few MB when re-saved by Excel): a cap on the total uncompressed
size and on the number of cells, counted while streaming the sheet XML, so that a ratio-respecting
bomb (millions of formula cells in a hidden sheet) is refused in milliseconds instead of being
parsed and recalculated.
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from pathlib import Path

from gidr_xl.server.refusals import BadRequest, TooLarge

MAX_UNCOMPRESSED = int(float(os.environ.get("GIDR_MAX_UNCOMPRESSED_MB", "16")) * 1024 * 1024)
MAX_CELLS = int(os.environ.get("GIDR_MAX_CELLS", "200000"))
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")  # <c …>, <c/>, <x:c …>; not <col>, <cfRule>


def count_cells(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> int:
    """Cells in one sheet, streamed in 64 KiB blocks; stops counting once past ``budget``."""
    cells, tail = 0, b""
    with zf.open(info) as fh:
        while block := fh.read(1 << 16):
            buf = tail + block
            cut = buf.rfind(b"<")  # a tag split by the block boundary is counted with the next block
            head, tail = (buf[:cut], buf[cut:]) if cut > 0 else (buf, b"")
            cells += len(_CELL.findall(head))
            if cells > budget:
                return cells
    return cells + len(_CELL.findall(tail))


def check_limits(path: Path, name: str) -> None:
    """Refuse (TooLarge, BadRequest) a workbook whose container exceeds the server's limits; non-zip
    files pass through (the reader says what they are)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return
    with zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED:
            raise TooLarge(
                f"{name} 解压后约 {total / 1024 / 1024:.0f} MB，超过 {MAX_UNCOMPRESSED // (1024 * 1024)} MB 的上限"
                "（正常的年报工作簿不到 2 MB），疑似恶意文件，已拒绝。",
            )
        cells = 0
        try:
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    cells += count_cells(zf, info, MAX_CELLS - cells)
                    if cells > MAX_CELLS:
                        raise TooLarge(
                            f"{name} 含有超过 {MAX_CELLS} 个单元格，远多于年报所需，疑似恶意文件，已拒绝。",
                        )
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
            raise BadRequest(f"{name} 已损坏或使用了不支持的压缩方式，无法读取。") from None
