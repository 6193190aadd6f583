"""Submitted files on disk: content-addressed, written and fsynced before the database commit.

Several requests (and worker processes) may store the same bytes at once: each writes its own
temporary file in the target folder and hard-links it into place, so a reader never sees a partly
written file and two writers never share a temporary name. An existing file is trusted only when
its hash matches (a damaged one is replaced atomically).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def store(files_dir: Path, data: bytes, suffix: str) -> tuple[str, Path]:
    """Write ``data`` durably under its sha256 (unique temp file, fsync, atomic link, fsync dir)."""
    digest = hashlib.sha256(data).hexdigest()
    folder = files_dir / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{suffix}"
    if path.exists() and sha256_of(path) == digest:
        return digest, path
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{digest[:12]}-", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic; fails when another writer got there first
        except FileExistsError:
            if sha256_of(path) != digest:  # damaged (e.g. an old partial write): replace it
                os.replace(tmp, path)
        _fsync_dir(folder)
    finally:
        tmp.unlink(missing_ok=True)
    return digest, path
