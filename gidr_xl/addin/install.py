"""Install / remove the add-in in Excel's start-up folder, through ``xlwings addin``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from gidr_xl.addin import ADDIN_FILE, XLWINGS_VERSION
from gidr_xl.errors import GidrError


def check_xlwings_version() -> str:
    """The installed xlwings version; raises unless it is the one the add-in's VBA expects."""
    try:
        installed = version("xlwings")
    except PackageNotFoundError:
        raise GidrError(
            f'未安装 xlwings。请运行：pip install "gidr-xl[addin]"（即 xlwings=={XLWINGS_VERSION}）'
        ) from None
    if installed != XLWINGS_VERSION:
        raise GidrError(
            f"已安装的 xlwings 版本为 {installed}，但加载项中的 VBA 需要 {XLWINGS_VERSION}（两者必须完全一致）。"
            f"请运行：pip install xlwings=={XLWINGS_VERSION}"
        )
    return installed


def _xlwings(action: str, addin: Path) -> str:
    check_xlwings_version()
    if sys.platform not in ("win32", "darwin"):
        raise GidrError("Excel 加载项只能安装在装有 Microsoft Excel 的 Windows 或 macOS 电脑上。")
    if action == "install" and not addin.exists():
        raise GidrError(f"找不到加载项文件 {addin}，请先运行 gidr addin build。")
    proc = subprocess.run(
        [sys.executable, "-m", "xlwings.cli", "addin", action, "-f", str(addin)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise GidrError(f"xlwings addin {action} 失败：{(proc.stderr or proc.stdout).strip()[:500]}")
    return proc.stdout.strip()


def install(addin: Path) -> str:
    """Copy the add-in into Excel's XLSTART folder (Excel must be closed), always as gidr_xl.xlam:
    a renamed download (``gidr_xl (1).xlam``) replaces the installed copy instead of adding a
    second ribbon tab."""
    if addin.name == ADDIN_FILE or not addin.exists():
        return _xlwings("install", addin)
    with tempfile.TemporaryDirectory() as tmp:
        return _xlwings("install", Path(shutil.copyfile(addin, Path(tmp) / ADDIN_FILE)))


def uninstall(addin: Path) -> str:
    return _xlwings("remove", addin)
