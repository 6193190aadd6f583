"""The submission server's JSON API (FastAPI). Pages, PostgreSQL runs and browser tests: see #6.

Every upload passes the same hostile-input boundary as the CLI (reader/opening.py: size,
zip-bomb ratio, encryption, non-workbooks) plus a size limit and a macro check here; nothing in
an upload is ever executed. A file is stored and fsynced before its database row is committed.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.middleware.sessions import SessionMiddleware

from gidr_xl import __version__
from gidr_xl.errors import GidrError
from gidr_xl.outputs.json_report import to_dict
from gidr_xl.reader.opening import check_container
from gidr_xl.reader.workbook import read_report
from gidr_xl.server.config import Settings
from gidr_xl.server.db import AuditEvent, Organ, Submission, User, make_engine, make_sessions
from gidr_xl.server.security import check_password
from gidr_xl.server.storage import store
from gidr_xl.validate.validator import Result, validate

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _attachment(data: bytes, media_type: str, filename: str) -> Response:
    """A download with a UTF-8 file name (RFC 5987)."""
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
    )


def _error(status: int, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail=message)


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="gidr-xl 年报报送服务",
        version=__version__,
        description="政府信息公开工作年度报告的校验、转换与报送。",
    )
    # signed, HttpOnly session cookie; Secure when GIDR_COOKIE_SECURE=1 (behind HTTPS)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        same_site="strict",
        https_only=settings.cookie_secure,
        max_age=8 * 3600,
    )
    sessions = make_sessions(make_engine(settings.database_url))

    def db() -> Iterator[Session]:
        with sessions() as session:
            yield session

    def current_user(request: Request, session: Session = Depends(db)) -> User:
        user_id = request.session.get("user_id")
        user = session.get(User, user_id) if user_id else None
        if user is None:
            raise _error(401, "请先登录。")
        return user

    def audit(session: Session, user: str, action: str, detail: str = "") -> None:
        session.add(AuditEvent(user=user, action=action, detail=detail))

    async def upload_bytes(file: UploadFile) -> bytes:
        data = await file.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise _error(413, f"文件超过 {settings.max_upload_bytes // (1024 * 1024)} MB 的上传上限。")
        if not data:
            raise _error(400, "上传的文件是空的。")
        return data

    def check_upload(data: bytes, name: str) -> Result:
        """Validate uploaded bytes through the hostile-input boundary; 4xx on anything unusable."""
        with tempfile.TemporaryDirectory(prefix="gidr-up-") as tmp:
            path = Path(tmp) / "upload.xlsx"
            path.write_bytes(data)
            try:
                check_container(path)
                with zipfile.ZipFile(path) as zf:
                    if any(n.lower().endswith("vbaproject.bin") for n in zf.namelist()):
                        raise _error(
                            415, f"{name} 含有宏（VBA），为安全起见不予处理。请另存为不含宏的 .xlsx 后上传。"
                        )
                result = validate(read_report(path))
            except GidrError as exc:
                raise _error(400, str(exc).replace(str(path), name)) from None
        result.report.source = name
        return result

    def visible(user: User, submission: Submission | None) -> Submission:
        if submission is None or (user.role != "supervisor" and submission.organ_id != user.organ_id):
            raise _error(404, "没有这份报送记录。")  # the same answer whether absent or forbidden
        return submission

    def summary(s: Submission) -> dict[str, Any]:
        return {
            "id": s.id,
            "organ": s.organ.name,
            "year": s.year,
            "version": s.version,
            "format": s.format_id,
            "sha256": s.sha256,
            "filename": s.filename,
            "status": s.status,
            "errors": s.errors,
            "warnings": s.warnings,
            "comment": s.comment,
            "created_at": s.created_at.isoformat(),
        }

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)

    @app.post("/api/login")
    async def login(request: Request, session: Session = Depends(db)) -> dict[str, Any]:
        body = await request.json()
        user = session.scalar(select(User).where(User.username == str(body.get("username", ""))))
        if user is None or not check_password(user.password_hash, str(body.get("password", ""))):
            audit(session, str(body.get("username", "")), "login-failed")
            session.commit()
            raise _error(401, "用户名或密码错误。")
        request.session.clear()
        request.session["user_id"] = user.id
        audit(session, user.username, "login")
        session.commit()
        return {
            "username": user.username,
            "role": user.role,
            "organ": user.organ.name if user.organ else None,
        }

    @app.post("/api/logout")
    async def logout(request: Request) -> dict[str, bool]:
        request.session.clear()
        return {"ok": True}

    @app.post("/api/validate")
    async def validate_upload(file: UploadFile, user: User = Depends(current_user)) -> dict[str, Any]:
        """Validate an uploaded workbook without storing it; returns the findings."""
        return to_dict(check_upload(await upload_bytes(file), file.filename or "upload.xlsx"))

    def create_submission(session: Session, user: User, name: str, data: bytes) -> tuple[Submission, bool]:
        """Store a submission (file fsynced first, then one transaction); (row, was it a duplicate)."""
        if user.organ_id is None:
            raise _error(403, "只有填报单位的账号可以报送。")
        result = check_upload(data, name)
        digest, path = store(settings.files_dir, data, ".xlsx")  # fsynced before the row is committed
        existing = session.scalar(
            select(Submission).where(Submission.organ_id == user.organ_id, Submission.sha256 == digest)
        )
        if existing is not None:
            return existing, True
        year = result.report.year
        version = 1 + (
            session.scalar(
                select(func.max(Submission.version)).where(
                    Submission.organ_id == user.organ_id, Submission.year == year
                )
            )
            or 0
        )
        row = Submission(
            organ_id=user.organ_id,
            year=year,
            version=version,
            format_id=result.report.spec.id,
            sha256=digest,
            filename=name,
            stored_path=str(path),
            status="已通过" if result.ok else "校验未通过",
            errors=result.errors,
            warnings=result.warnings,
            result_json=json.dumps(to_dict(result), ensure_ascii=False),
            created_by=user.id,
        )
        session.add(row)
        audit(session, user.username, "submit", f"{name} sha256={digest} version={version}")
        session.commit()
        return row, False

    @app.post("/api/submissions", status_code=201)
    async def submit(
        file: UploadFile,
        response: Response,
        user: User = Depends(current_user),
        session: Session = Depends(db),
    ) -> dict[str, Any]:
        """Store a submission: identical bytes are recognised; a new upload is a new version."""
        row, duplicate = create_submission(
            session, user, file.filename or "upload.xlsx", await upload_bytes(file)
        )
        if duplicate:
            response.status_code = 200
        return summary(row) | {"duplicate": duplicate}

    @app.get("/api/submissions")
    def list_submissions(
        user: User = Depends(current_user), session: Session = Depends(db)
    ) -> list[dict[str, Any]]:
        query = select(Submission).order_by(Submission.id)
        if user.role != "supervisor":
            query = query.where(Submission.organ_id == user.organ_id)
        return [summary(s) for s in session.scalars(query)]

    @app.get("/api/submissions/{submission_id}")
    def get_submission(
        submission_id: int, user: User = Depends(current_user), session: Session = Depends(db)
    ) -> dict[str, Any]:
        s = visible(user, session.get(Submission, submission_id))
        return summary(s) | {"result": json.loads(s.result_json)}

    @app.get("/api/submissions/{submission_id}/original")
    def original(
        submission_id: int, user: User = Depends(current_user), session: Session = Depends(db)
    ) -> FileResponse:
        s = visible(user, session.get(Submission, submission_id))
        audit(session, user.username, "download", f"submission {s.id} original")
        session.commit()
        return FileResponse(s.stored_path, media_type=XLSX_TYPE, filename=s.filename)

    @app.get("/api/submissions/{submission_id}/annotated")
    def annotated(
        submission_id: int, user: User = Depends(current_user), session: Session = Depends(db)
    ) -> Response:
        """The submitted workbook with the findings marked (fills, notes, 校验结果 sheet)."""
        from gidr_xl.access.openpyxl_book import OpenpyxlBook
        from gidr_xl.outputs.annotate import annotate, validate_book

        s = visible(user, session.get(Submission, submission_id))
        book = OpenpyxlBook(Path(s.stored_path))
        book.source = s.filename
        annotate(book, validate_book(book))
        with tempfile.TemporaryDirectory(prefix="gidr-ann-") as tmp:
            data = book.save_as(Path(tmp) / "annotated.xlsx").read_bytes()
        audit(session, user.username, "download", f"submission {s.id} annotated")
        session.commit()
        return _attachment(data, XLSX_TYPE, "annotated.xlsx")

    @app.post("/api/compile")
    async def compile_upload(
        file: UploadFile, format: str = "docx", user: User = Depends(current_user)
    ) -> Response:
        """Compile an uploaded workbook that passes validation into docx, pdf or html."""
        from gidr_xl.compile import compile_report, planned_outputs

        if format not in ("docx", "pdf", "html"):
            raise _error(400, "format 应为 docx、pdf 或 html。")
        result = check_upload(await upload_bytes(file), file.filename or "upload.xlsx")
        if not result.ok:
            raise _error(409, f"校验未通过（{result.errors} 项错误），不能生成报告。")
        with tempfile.TemporaryDirectory(prefix="gidr-cmp-") as tmp:
            out = compile_report(
                result, planned_outputs(Path(tmp) / "report.docx", format == "pdf", format == "html")
            )
            path = {"docx": out.docx, "pdf": out.pdf, "html": out.html}[format]
            data = path.read_bytes() if path else b""
        types = {"docx": DOCX_TYPE, "pdf": "application/pdf", "html": "text/html; charset=utf-8"}
        return _attachment(data, types[format], f"report.{format}")

    @app.get("/api/consolidated")
    def consolidated(
        year: int, user: User = Depends(current_user), session: Session = Depends(db)
    ) -> dict[str, Any]:
        """Tables 二/三/四 summed over each organ's latest passed submission of ``year``."""
        from gidr_xl.consolidate import sum_values

        if user.role != "supervisor":
            raise _error(403, "只有主管部门的账号可以查看汇总。")
        latest: dict[int, Submission] = {}
        query = (
            select(Submission)
            .where(Submission.year == year, Submission.status == "已通过")
            .order_by(Submission.id)
        )
        for s in session.scalars(query):
            latest[s.organ_id] = s
        reports = [read_report(Path(s.stored_path)) for s in latest.values()]
        if not reports:
            return {"year": year, "organs": [], "cells": {}}
        if len({r.spec.id for r in reports}) > 1:
            raise _error(409, "该年度的报送使用了不同的格式版本，无法汇总。")
        sums = sum_values(reports[0].spec, reports)
        cells = {reports[0].spec.cell(c).ref: v for c, v in sums.items()}
        return {
            "year": year,
            "format": reports[0].spec.id,
            "organs": [s.organ.name for s in latest.values()],
            "cells": cells,
        }

    @app.get("/api/submissions/{submission_id}/report.docx")
    def report_docx(
        submission_id: int, user: User = Depends(current_user), session: Session = Depends(db)
    ) -> Response:
        from gidr_xl.compile import compile_report, planned_outputs

        s = visible(user, session.get(Submission, submission_id))
        result = validate(read_report(Path(s.stored_path)))
        if not result.ok:
            raise _error(409, "这份报送未通过校验，不能生成正式报告。")
        with tempfile.TemporaryDirectory(prefix="gidr-doc-") as tmp:
            out = compile_report(result, planned_outputs(Path(tmp) / "report.docx", pdf=False, html=False))
            data = out.docx.read_bytes()
        audit(session, user.username, "download", f"submission {s.id} report.docx")
        session.commit()
        return _attachment(data, DOCX_TYPE, "report.docx")

    @app.post("/api/submissions/{submission_id}/return")
    async def return_submission(
        submission_id: int,
        request: Request,
        user: User = Depends(current_user),
        session: Session = Depends(db),
    ) -> dict[str, Any]:
        if user.role != "supervisor":
            raise _error(403, "只有主管部门的账号可以退回报送。")
        s = visible(user, session.get(Submission, submission_id))
        body = await request.json()
        s.status, s.comment = "已退回", str(body.get("comment", ""))
        audit(session, user.username, "return", f"submission {s.id}: {s.comment}")
        session.commit()
        return summary(s)

    def board(session: Session, year: int | None) -> dict[str, Any]:
        rows = []
        for organ in session.scalars(select(Organ).order_by(Organ.name)):
            query = select(Submission).where(Submission.organ_id == organ.id).order_by(Submission.id.desc())
            if year is not None:
                query = query.where(Submission.year == year)
            latest = session.scalars(query).first()
            rows.append(
                {
                    "organ": organ.name,
                    "status": latest.status if latest else "未提交",
                    "submission": latest.id if latest else None,
                }
            )
        counts: dict[str, int] = {}
        for row in rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        return {"organs": rows, "counts": counts}

    @app.get("/api/dashboard")
    def dashboard(
        user: User = Depends(current_user), session: Session = Depends(db), year: int | None = None
    ) -> dict[str, Any]:
        """Organs × status of their latest submission (未提交 when none)."""
        if user.role != "supervisor":
            raise _error(403, "只有主管部门的账号可以查看汇总看板。")
        return board(session, year)

    @app.get("/api/template")
    def template(year: int, org: str = "", user: User = Depends(current_user)) -> Response:
        from gidr_xl.spec.loader import format_for_year
        from gidr_xl.template.writer import write_workbook

        try:
            spec = format_for_year(year)
        except GidrError as exc:
            raise _error(400, str(exc)) from None
        with tempfile.TemporaryDirectory(prefix="gidr-tpl-") as tmp:
            data = write_workbook(
                spec, Path(tmp) / "t.xlsx", org=org or (user.organ.name if user.organ else ""), year=year
            ).read_bytes()
        return _attachment(data, XLSX_TYPE, f"template-{year}.xlsx")

    from gidr_xl.server.pages import add_pages

    add_pages(
        app,
        db=db,
        board=board,
        create_submission=create_submission,
        summary=summary,
        visible=visible,
        upload_bytes=upload_bytes,
        audit=audit,
    )

    @app.get("/api/audit")
    def audit_log(
        user: User = Depends(current_user), session: Session = Depends(db), limit: int = 200
    ) -> list[dict[str, str]]:
        """The latest audit events (who, what, when), newest first; supervisors only."""
        if user.role != "supervisor":
            raise _error(403, "只有主管部门的账号可以查看审计日志。")
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(min(limit, 1000)))
        return [
            {"at": e.at.isoformat(), "user": e.user, "action": e.action, "detail": e.detail} for e in rows
        ]

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
