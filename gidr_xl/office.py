"""LibreOffice headless: conversion with a private profile per call (no collisions, always recalc)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from gidr_xl.errors import GidrError
from gidr_xl.resources import data_path

#: Maps 仿宋/宋体/黑体/楷体/小标宋 (and their _GB2312 / 方正 names) to installed free faces.
FONTCONFIG = data_path("fontconfig", "fonts.conf")

#: Tagged PDF (structure for screen readers, PDF/UA); Title and Author come from the .docx.
PDF_EXPORT = (
    'pdf:writer_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"},'
    '"PDFUACompliance":{"type":"boolean","value":"true"}}'
)

# Profile settings: recalculate formulas on load, whatever cached values a file carries.
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    """Path of the LibreOffice binary, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(files: Sequence[Path], fmt: str, out_dir: Path, timeout: float = 300) -> list[Path]:
    """Convert files (e.g. fmt ``xlsx`` or ``pdf``) into ``out_dir``; returns the output paths."""
    binary = soffice()
    if binary is None:
        raise GidrError("未安装 LibreOffice，无法转换文件。请先运行 scripts/setup.sh。")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gidr-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
        cmd = [
            binary,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            fmt,
            "--outdir",
            str(out_dir),
            *map(str, files),
        ]
        env = {**os.environ, "FONTCONFIG_FILE": str(FONTCONFIG)}
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, env=env)
    outputs = [out_dir / f"{Path(f).stem}.{fmt.split(':')[0]}" for f in files]
    missing = [p for p in outputs if not p.exists()]
    if proc.returncode != 0 or missing:
        raise GidrError(f"LibreOffice 转换失败（退出码 {proc.returncode}）：{proc.stderr.strip()[:500]}")
    return outputs
