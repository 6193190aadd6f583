"""Start the submission server: settings, schema and key once, then uvicorn's worker processes."""

from __future__ import annotations

import os
from collections.abc import Callable

import uvicorn

from gidr_xl.errors import UsageError
from gidr_xl.server.app import migrated_engine
from gidr_xl.server.config import Settings, load_settings


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    data_dir: str | None = None,
    ready: Callable[[Settings], None] | None = None,
) -> None:
    """Prepare the data directory and database, call ``ready(settings)``, then serve until stopped."""
    if workers < 1:
        raise UsageError("--workers 至少为 1。")
    # settings reach every worker process through the environment; the key and schema are made once here
    settings = load_settings(data_dir)
    os.environ["GIDR_DATA_DIR"] = str(settings.data_dir)
    migrated_engine(settings).dispose()
    if ready is not None:
        ready(settings)
    uvicorn.run(
        "gidr_xl.server.asgi:create",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )
