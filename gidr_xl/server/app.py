"""The submission server: the app factory (middleware, error handlers, routers) and the migrated engine.

Every upload passes the same hostile-input boundary as the CLI (opening.py: size,
zip-bomb ratio, encryption, non-workbooks) plus a size limit and a macro check here; nothing in
an upload is ever executed. A file is stored and fsynced before its database row is committed.
What the server does lives in service.py; the routes (routes/*.py) only translate HTTP to it.
"""

from __future__ import annotations

import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.middleware.sessions import SessionMiddleware

from gidr_xl.resources import data_path
from gidr_xl.server.accounts import SESSION_LIFETIME
from gidr_xl.server.config import Settings
from gidr_xl.server.db import make_engine, make_sessions
from gidr_xl.server.errors import install as install_error_handlers
from gidr_xl.server.middleware import ApiCsrf, BodyLimit, SecurityHeaders
from gidr_xl.server.routes import ROUTERS
from gidr_xl.server.work import Workers
from gidr_xl.version import __version__


def migrated_engine(settings: Settings) -> Engine:
    """The engine, with migrations run by one process at a time (several workers start together)."""
    with (settings.data_dir / ".migrate.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            engine = make_engine(settings.database_url)
            if engine.dialect.name == "sqlite" and engine.url.database:
                for suffix in ("", "-wal", "-shm"):
                    db_file = Path(engine.url.database + suffix)
                    if db_file.exists():
                        db_file.chmod(0o600)
            return engine
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def create_app(settings: Settings) -> FastAPI:
    """The whole server (API and pages) for ``settings``."""
    workers = Workers(settings.worker_processes, settings.max_compiles)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        workers.warm()
        yield
        workers.close()

    app = FastAPI(
        title="gidr-xl 年报报送服务",
        version=__version__,
        description="政府信息公开工作年度报告的校验、转换与报送。",
        lifespan=lifespan,
        docs_url=None,  # the CDN-hosted Swagger UI is replaced by /docs in routes/pages.py (no outside assets)
        redoc_url=None,
    )
    # what the routes' dependencies (deps.py) hand over
    app.state.settings = settings
    app.state.workers = workers
    app.state.sessions = make_sessions(migrated_engine(settings))
    # inside the session middleware: sees who is logged in, and refuses before any body is read
    app.add_middleware(BodyLimit, max_upload_bytes=settings.max_upload_bytes)
    app.add_middleware(ApiCsrf)
    # signed, HttpOnly session cookie; Secure when GIDR_COOKIE_SECURE=1 (behind HTTPS)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        same_site="strict",
        https_only=settings.cookie_secure,
        max_age=int(SESSION_LIFETIME.total_seconds()),
    )
    app.add_middleware(SecurityHeaders)  # every response of the routes, 4xx errors included
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=str(data_path("server", "static"))), name="static")
    for router in ROUTERS:
        app.include_router(router)
    return app
