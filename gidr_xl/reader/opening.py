"""The hostile-input boundary: decide whether a file can be opened as an .xlsx at all.

Every refusal is an :class:`UnusableWorkbookError` with a Chinese message naming the file.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from gidr_xl.errors import UnusableWorkbookError

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls or an encrypted .xlsx
_ZIP_MAGIC = b"PK\x03\x04"
#: Guard against zip bombs before openpyxl inflates anything.
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200


def _is_encrypted(path: Path) -> bool:
    import msoffcrypto

    try:
        with path.open("rb") as fh:
            return bool(msoffcrypto.OfficeFile(fh).is_encrypted())
    except Exception:
        return False


def check_container(path: Path) -> None:
    """Refuse missing, non-xlsx, encrypted, truncated or bomb-like files."""
    name = str(path)
    if not path.exists():
        raise UnusableWorkbookError(f"找不到文件：{name}")
    if not path.is_file():
        raise UnusableWorkbookError(f"{name} 不是文件")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_CFB_MAGIC):
        if _is_encrypted(path):
            raise UnusableWorkbookError(
                f"文件 {name} 设置了打开密码（已加密），无法读取。请在 Excel 中取消密码后另存为 .xlsx 再提交。"
            )
        raise UnusableWorkbookError(
            f"文件 {name} 是旧版 Excel 97-2003（.xls）格式，请用本工具生成的模板或另存为 .xlsx。"
        )
    if not head.startswith(_ZIP_MAGIC):
        raise UnusableWorkbookError(
            f"文件 {name} 不是 Excel 工作簿（.xlsx），请提交本工具生成的 .xlsx 文件。"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
                raise UnusableWorkbookError(
                    f"文件 {name} 解压后过大（{total // 1024} KB），疑似恶意压缩文件，已拒绝读取。"
                )
            if "xl/workbook.xml" not in zf.namelist():
                raise UnusableWorkbookError(
                    f"文件 {name} 是压缩包，但不是 Excel 工作簿（缺少 xl/workbook.xml）。"
                )
            bad = zf.testzip()
            if bad is not None:
                raise UnusableWorkbookError(f"文件 {name} 已损坏（{bad} 校验失败），请重新保存后再提交。")
    except zipfile.BadZipFile:
        raise UnusableWorkbookError(
            f"文件 {name} 已损坏或不完整（不是完整的 .xlsx 压缩包），请重新保存后再提交。"
        ) from None
