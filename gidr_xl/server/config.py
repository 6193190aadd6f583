"""Server settings from environment variables (documented in README, section 服务器)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    max_upload_bytes: int
    cookie_secure: bool = False

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"


def load_settings(data_dir: str | None = None) -> Settings:
    """GIDR_DATA_DIR (default ./gidr-data), GIDR_DATABASE_URL (default SQLite in the data dir),
    GIDR_SECRET_KEY (session signing; generated and kept in the data dir when unset),
    GIDR_MAX_UPLOAD_MB (default 10), GIDR_COOKIE_SECURE=1 behind HTTPS (cookies only over TLS)."""
    root = Path(data_dir or os.environ.get("GIDR_DATA_DIR", "gidr-data")).resolve()
    root.mkdir(parents=True, exist_ok=True)
    key = os.environ.get("GIDR_SECRET_KEY")
    if not key:
        key_file = root / "secret.key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            key_file.chmod(0o600)
        key = key_file.read_text(encoding="utf-8").strip()
    return Settings(
        data_dir=root,
        database_url=os.environ.get("GIDR_DATABASE_URL", f"sqlite:///{root / 'gidr.sqlite3'}"),
        secret_key=key,
        max_upload_bytes=int(float(os.environ.get("GIDR_MAX_UPLOAD_MB", "10")) * 1024 * 1024),
        cookie_secure=os.environ.get("GIDR_COOKIE_SECURE", "") == "1",
    )
