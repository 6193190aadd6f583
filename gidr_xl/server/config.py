"""Server settings from environment variables (documented in README, section 服务器)."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    max_upload_bytes: int
    cookie_secure: bool = False
    worker_processes: int = 2
    max_compiles: int = 2

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"


def _shared_key(key_file: Path) -> str:
    """The session key kept in ``key_file``, created once even when several workers start together
    (written to a private temp file, then hard-linked into place: the first link wins)."""
    if not key_file.exists():
        fd, tmp = tempfile.mkstemp(dir=key_file.parent, prefix=".secret-")  # mode 0600
        try:
            os.write(fd, secrets.token_urlsafe(48).encode())
            os.fsync(fd)
            os.close(fd)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, key_file)
        finally:
            os.unlink(tmp)
    return key_file.read_text(encoding="utf-8").strip()


def load_settings(data_dir: str | None = None) -> Settings:
    """GIDR_DATA_DIR (default ./gidr-data), GIDR_DATABASE_URL (default SQLite in the data dir),
    GIDR_SECRET_KEY (session signing; generated and kept in the data dir when unset),
    GIDR_MAX_UPLOAD_MB (default 10), GIDR_COOKIE_SECURE=1 behind HTTPS (cookies only over TLS),
    GIDR_WORKER_PROCESSES (validation processes per server process, default min(4, cores)),
    GIDR_MAX_COMPILES (concurrent report compiles per server process, default 2)."""
    root = Path(data_dir or os.environ.get("GIDR_DATA_DIR", "gidr-data")).resolve()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o700)  # submissions, database and secret key: the server's account only
    key = os.environ.get("GIDR_SECRET_KEY")
    if not key:
        key = _shared_key(root / "secret.key")
    return Settings(
        data_dir=root,
        database_url=os.environ.get("GIDR_DATABASE_URL", f"sqlite:///{root / 'gidr.sqlite3'}"),
        secret_key=key,
        max_upload_bytes=int(float(os.environ.get("GIDR_MAX_UPLOAD_MB", "10")) * 1024 * 1024),
        cookie_secure=os.environ.get("GIDR_COOKIE_SECURE", "") == "1",
        worker_processes=int(os.environ.get("GIDR_WORKER_PROCESSES", min(4, os.cpu_count() or 1))),
        max_compiles=int(os.environ.get("GIDR_MAX_COMPILES", "2")),
    )
