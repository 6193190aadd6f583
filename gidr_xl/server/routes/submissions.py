"""Uploads, submissions and their downloads through the JSON API (organ accounts and supervisors)."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, UploadFile
from fastapi import Path as FastAPIPath
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from gidr_xl.server import service
from gidr_xl.server.config import Settings
from gidr_xl.server.db import User
from gidr_xl.server.deps import current_user, db, settings, workers
from gidr_xl.server.work import Workers

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES = {"docx": DOCX_TYPE, "pdf": "application/pdf", "html": "text/html; charset=utf-8"}

Year = Annotated[int, Query(ge=2000, le=2100, description="报告年度")]
SubmissionId = Annotated[int, FastAPIPath(ge=1, le=2**31 - 1, description="报送编号")]

router = APIRouter()


def attachment(data: bytes, media_type: str, filename: str) -> Response:
    """A download with a UTF-8 file name (RFC 5987)."""
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.post("/api/validate")
async def validate_upload(
    file: UploadFile,
    user: User = Depends(current_user),
    config: Settings = Depends(settings),
    pool: Workers = Depends(workers),
) -> dict[str, Any]:
    """Validate an uploaded workbook without storing it; returns the findings."""
    return await service.validate_upload(config, pool, file)


@router.post("/api/submissions", status_code=201)
async def submit(
    file: UploadFile,
    response: Response,
    year: Annotated[int | None, Form(ge=2000, le=2100)] = None,
    user: User = Depends(current_user),
    session: Session = Depends(db),
    config: Settings = Depends(settings),
    pool: Workers = Depends(workers),
) -> dict[str, Any]:
    """Store a submission: identical bytes are recognised; a new upload is a new version.
    With ``year``, a workbook of another report year is refused."""
    row, duplicate = await service.submit(session, config, pool, user, file, year)
    if duplicate:
        response.status_code = 200
    return service.summary(row) | {"duplicate": duplicate}


@router.get("/api/submissions")
def list_submissions(
    user: User = Depends(current_user), session: Session = Depends(db)
) -> list[dict[str, Any]]:
    return [service.summary(s) for s in service.submissions_for(session, user)]


@router.get("/api/submissions/{submission_id}")
def get_submission(
    submission_id: SubmissionId, user: User = Depends(current_user), session: Session = Depends(db)
) -> dict[str, Any]:
    s = service.find_submission(session, user, submission_id)
    return service.summary(s) | {"result": json.loads(s.result_json)}


@router.get("/api/submissions/{submission_id}/original")
def original(
    submission_id: SubmissionId, user: User = Depends(current_user), session: Session = Depends(db)
) -> FileResponse:
    path, name = service.original(session, user, submission_id)
    return FileResponse(path, media_type=XLSX_TYPE, filename=name)


@router.get("/api/submissions/{submission_id}/annotated")
async def annotated(
    submission_id: SubmissionId,
    user: User = Depends(current_user),
    session: Session = Depends(db),
    pool: Workers = Depends(workers),
) -> Response:
    """The submitted workbook with the findings marked (fills, notes, 校验结果 sheet)."""
    data, name = await service.annotated(session, pool, user, submission_id)
    return attachment(data, XLSX_TYPE, name)


@router.post("/api/compile")
async def compile_upload(
    file: UploadFile,
    format: str = "docx",
    user: User = Depends(current_user),
    config: Settings = Depends(settings),
    pool: Workers = Depends(workers),
) -> Response:
    """Compile an uploaded workbook that passes validation into docx, pdf or html."""
    compiled = await service.compile_upload(config, pool, file, format)
    return attachment(compiled, CONTENT_TYPES[format], f"report.{format}")


@router.get("/api/submissions/{submission_id}/report.docx")
async def report_docx(
    submission_id: SubmissionId,
    user: User = Depends(current_user),
    session: Session = Depends(db),
    pool: Workers = Depends(workers),
) -> Response:
    data, name = await service.report_docx(session, pool, user, submission_id)
    return attachment(data, DOCX_TYPE, name)


@router.get("/api/template")
async def template(
    year: Year,
    org: Annotated[str, Query(max_length=200)] = "",
    user: User = Depends(current_user),
    pool: Workers = Depends(workers),
) -> Response:
    data, name = await service.template(pool, user, year, org)
    return attachment(data, XLSX_TYPE, name)
