"""Output paths: a file the user did not ask to replace is never replaced."""

from __future__ import annotations

from pathlib import Path

from gidr_xl.errors import OutputExistsError

SHOWN = 5  # existing files named in the message (a batch may have hundreds)


def refuse_overwrite(*paths: Path, overwrite: bool = False) -> None:
    """Raise :class:`OutputExistsError` naming every existing path, unless ``overwrite``."""
    existing = [str(p) for p in paths if p.exists()]
    if existing and not overwrite:
        named = "、".join(existing[:SHOWN]) + (f" 等 {len(existing)} 个文件" if len(existing) > SHOWN else "")
        raise OutputExistsError(
            f"输出文件已存在：{named}。为避免覆盖已有内容，请换一个文件名，或加 --overwrite 覆盖。"
        )
