"""Submitted files on disk: content-addressed, written and fsynced before the database commit."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def store(files_dir: Path, data: bytes, suffix: str) -> tuple[str, Path]:
    """Write ``data`` durably (temp file, fsync, atomic rename, fsync dir); returns (sha256, path)."""
    digest = hashlib.sha256(data).hexdigest()
    folder = files_dir / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{suffix}"
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".tmp")
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return digest, path
