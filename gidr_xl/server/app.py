"""The submission server's JSON API (FastAPI). Pages, PostgreSQL runs and browser tests: see #6.

Every upload passes the same hostile-input boundary as the CLI (opening.py: size,
zip-bomb ratio, encryption, non-workbooks) plus a size limit and a macro check here; nothing in
an upload is ever executed. A file is stored and fsynced before its database row is committed.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, Query, Request, UploadFile
from fastapi import Path as FastAPIPath
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from gidr_xl.server.accounts import LoginRefused, authenticate, end_sessions, session_valid
from gidr_xl.server.config import Settings
from gidr_xl.server.db import AuditEvent, Submission, User, make_engine, make_sessions
from gidr_xl.server.errors import install as install_error_handlers
from gidr_xl.server.middleware import ApiCsrf, BodyLimit, SecurityHeaders
from gidr_xl.server.security import new_csrf_token
from gidr_xl.server.service import (
    audit,
    board,
    create_submission,
    default_year,
    download_name,
    error,
    read_upload,
    require_organ,
    require_supervisor,
    return_to_organ,
    submissions_for,
    summary,
    visible,
)
from gidr_xl.server.work import (
    Workers,
    annotated_bytes,
    check_bytes,
    compile_stored,
    compile_upload_bytes,
    consolidate_paths,
    template_bytes,
)
from gidr_xl.version import __version__

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES = {"docx": DOCX_TYPE, "pdf": "application/pdf", "html": "text/html; charset=utf-8"}


def _attachment(data: bytes, media_type: str, filename: str) -> Response:
    """A download with a UTF-8 file name (RFC 5987)."""
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


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


Year = Annotated[int, Query(ge=2000, le=2100, description="报告年度")]


SubmissionId = Annotated[int, FastAPIPath(ge=1, le=2**31 - 1, description="报送编号")]


class ReturnBody(BaseModel):
    comment: str = Field("", max_length=2000, description="退回意见")


class LoginBody(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1024)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _audit_download(session: Session, user: User, what: str) -> None:
    audit(session, user.username, "download", what)
    session.commit()


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
        docs_url=None,  # the CDN-hosted Swagger UI is replaced by /docs in pages.py (no outside assets)
        redoc_url=None,
    )
    app.state.workers = workers
    # inside the session middleware: sees who is logged in, and refuses before any body is read
    app.add_middleware(BodyLimit, max_upload_bytes=settings.max_upload_bytes)
    app.add_middleware(ApiCsrf)
    # signed, HttpOnly session cookie; Secure when GIDR_COOKIE_SECURE=1 (behind HTTPS)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        same_site="strict",
        https_only=settings.cookie_secure,
        max_age=8 * 3600,
    )
    app.add_middleware(SecurityHeaders)  # every response of the routes, 4xx errors included
    sessions = make_sessions(migrated_engine(settings))

    def db() -> Iterator[Session]:
        with sessions() as session:
            yield session

    def current_user(request: Request, session: Session = Depends(db)) -> User:
        user_id = request.session.get("user_id")
        user = session.get(User, user_id) if isinstance(user_id, int) else None
        if not session_valid(user, request.session.get("sv")):
            request.session.clear()
            raise error(401, "请先登录。")
        _ = user.organ  # loaded now: the connection goes back to the pool while the request waits
        session.commit()
        return user

    install_error_handlers(app)

    @app.post("/api/login")
    def login(body: LoginBody, request: Request, session: Session = Depends(db)) -> dict[str, Any]:
        """Log in; the answer carries the token that multipart API requests send as X-CSRF-Token."""
        try:
            user = authenticate(session, body.username, body.password, client_address(request))
        except LoginRefused as exc:
            raise error(exc.status, exc.message) from None
        request.session.clear()
        request.session.update({"user_id": user.id, "sv": user.session_version, "csrf": new_csrf_token()})
        return {
            "username": user.username,
            "role": user.role,
            "organ": user.organ.name if user.organ else None,
            "csrf": request.session["csrf"],
        }

    @app.post("/api/logout")
    def logout(request: Request, session: Session = Depends(db)) -> dict[str, bool]:
        """End this user's sessions (this cookie and any copy of it)."""
        user_id = request.session.get("user_id")
        user = session.get(User, user_id) if isinstance(user_id, int) else None
        if session_valid(user, request.session.get("sv")):
            end_sessions(user)
            audit(session, user.username, "logout")
            session.commit()
        request.session.clear()
        return {"ok": True}

    @app.post("/api/validate")
    async def validate_upload(file: UploadFile, user: User = Depends(current_user)) -> dict[str, Any]:
        """Validate an uploaded workbook without storing it; returns the findings."""
        name, data = await read_upload(file, settings)
        return (await workers.run(check_bytes, data, name)).result

    @app.post("/api/submissions", status_code=201)
    async def submit(
        file: UploadFile,
        response: Response,
        year: Annotated[int | None, Form(ge=2000, le=2100)] = None,
        user: User = Depends(current_user),
        session: Session = Depends(db),
    ) -> dict[str, Any]:
        """Store a submission: identical bytes are recognised; a new upload is a new version.
        With ``year``, a workbook of another report year is refused."""
        require_organ(user)
        name, data = await read_upload(file, settings)
        checked = await workers.run(check_bytes, data, name)
        row, duplicate = await run_in_threadpool(
            create_submission, session, settings, user, name, data, checked, year
        )
        if duplicate:
            response.status_code = 200
        return summary(row) | {"duplicate": duplicate}

    @app.get("/api/submissions")
    def list_submissions(
        user: User = Depends(current_user), session: Session = Depends(db)
    ) -> list[dict[str, Any]]:
        return [summary(s) for s in submissions_for(session, user)]

    @app.get("/api/submissions/{submission_id}")
    def get_submission(
        submission_id: SubmissionId, user: User = Depends(current_user), session: Session = Depends(db)
    ) -> dict[str, Any]:
        s = visible(user, session.get(Submission, submission_id))
        return summary(s) | {"result": json.loads(s.result_json)}

    @app.get("/api/submissions/{submission_id}/original")
    def original(
        submission_id: SubmissionId, user: User = Depends(current_user), session: Session = Depends(db)
    ) -> FileResponse:
        s = visible(user, session.get(Submission, submission_id))
        audit(session, user.username, "download", f"submission {s.id} original")
        session.commit()
        return FileResponse(
            s.stored_path, media_type=XLSX_TYPE, filename=download_name(s, f"第{s.version}版", ".xlsx")
        )

    @app.get("/api/submissions/{submission_id}/annotated")
    async def annotated(
        submission_id: SubmissionId, user: User = Depends(current_user), session: Session = Depends(db)
    ) -> Response:
        """The submitted workbook with the findings marked (fills, notes, 校验结果 sheet)."""
        s = visible(user, session.get(Submission, submission_id))
        data = await workers.run(annotated_bytes, s.stored_path, s.filename)
        await run_in_threadpool(_audit_download, session, user, f"submission {s.id} annotated")
        return _attachment(data, XLSX_TYPE, download_name(s, f"第{s.version}版-标出问题", ".xlsx"))

    @app.post("/api/compile")
    async def compile_upload(
        file: UploadFile, format: str = "docx", user: User = Depends(current_user)
    ) -> Response:
        """Compile an uploaded workbook that passes validation into docx, pdf or html."""
        if format not in CONTENT_TYPES:
            raise error(400, "format 应为 docx、pdf 或 html。")
        name, data = await read_upload(file, settings)
        compiled = await workers.compile(compile_upload_bytes, data, name, format)
        return _attachment(compiled, CONTENT_TYPES[format], f"report.{format}")

    @app.get("/api/consolidated")
    async def consolidated(
        year: Year, user: User = Depends(current_user), session: Session = Depends(db)
    ) -> dict[str, Any]:
        """Tables 二/三/四 summed over each organ's latest passed submission of ``year``."""
        require_supervisor(user, "查看汇总")
        latest: dict[int, Submission] = {}
        query = (
            select(Submission)
            .where(Submission.year == year, Submission.status == "已通过")
            .order_by(Submission.id)
        )
        for s in await run_in_threadpool(lambda: list(session.scalars(query))):
            latest[s.organ_id] = s
        if not latest:
            return {"year": year, "organs": [], "cells": {}}
        format_id, cells = await workers.run(consolidate_paths, [s.stored_path for s in latest.values()])
        return {
            "year": year,
            "format": format_id,
            "organs": [s.organ.name for s in latest.values()],
            "cells": cells,
        }

    @app.get("/api/submissions/{submission_id}/report.docx")
    async def report_docx(
        submission_id: SubmissionId, user: User = Depends(current_user), session: Session = Depends(db)
    ) -> Response:
        s = visible(user, session.get(Submission, submission_id))
        data = await workers.compile(compile_stored, s.stored_path, s.filename, "docx")
        await run_in_threadpool(_audit_download, session, user, f"submission {s.id} report.docx")
        return _attachment(data, DOCX_TYPE, download_name(s, "政府信息公开工作年度报告", ".docx"))

    @app.post("/api/submissions/{submission_id}/return")
    async def return_submission(
        submission_id: SubmissionId,
        body: ReturnBody,
        user: User = Depends(current_user),
        session: Session = Depends(db),
    ) -> dict[str, Any]:
        return summary(await run_in_threadpool(return_to_organ, session, user, submission_id, body.comment))

    @app.get("/api/dashboard")
    def dashboard(
        user: User = Depends(current_user), session: Session = Depends(db), year: Year | None = None
    ) -> dict[str, Any]:
        """Organs × status of their latest submission of ``year`` (default: last year; 未提交 when none)."""
        require_supervisor(user, "查看汇总看板")
        return board(session, year or default_year())

    @app.get("/api/template")
    async def template(
        year: Year, org: Annotated[str, Query(max_length=200)] = "", user: User = Depends(current_user)
    ) -> Response:
        organ = org or (user.organ.name if user.organ else "")
        data = await workers.run(template_bytes, year, organ)
        safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", organ)
        return _attachment(data, XLSX_TYPE, f"{safe}-{year}-模板.xlsx" if safe else f"{year}-模板.xlsx")

    from gidr_xl.server.pages import add_pages

    add_pages(app, db, settings)

    @app.get("/api/audit")
    def audit_log(
        user: User = Depends(current_user),
        session: Session = Depends(db),
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[dict[str, str]]:
        """The latest audit events (who, what, when), newest first; supervisors only."""
        require_supervisor(user, "查看审计日志")
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(min(limit, 1000)))
        return [
            {"at": e.at.isoformat(), "user": e.user, "action": e.action, "detail": e.detail} for e in rows
        ]

    @app.get("/api/health")
    async def health() -> dict[str, Any]:
        """Liveness on the event loop itself (never queued behind work); pid tells the worker apart."""
        return {"status": "ok", "version": __version__, "pid": os.getpid()}

    return app
