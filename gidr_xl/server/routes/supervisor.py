"""The supervisor's functions through the JSON API: dashboard, consolidation, returns, audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from gidr_xl.server import service
from gidr_xl.server.db import User
from gidr_xl.server.deps import current_user, db, workers
from gidr_xl.server.routes.submissions import SubmissionId, Year
from gidr_xl.server.work import Workers

router = APIRouter()


class ReturnBody(BaseModel):
    comment: str = Field("", max_length=2000, description="退回意见")


@router.get("/api/consolidated")
async def consolidated(
    year: Year,
    user: User = Depends(current_user),
    session: Session = Depends(db),
    pool: Workers = Depends(workers),
) -> dict[str, Any]:
    """Tables 二/三/四 summed over each organ's latest passed submission of ``year``."""
    return await service.consolidated(session, pool, user, year)


@router.post("/api/submissions/{submission_id}/return")
def return_submission(
    submission_id: SubmissionId,
    body: ReturnBody,
    user: User = Depends(current_user),
    session: Session = Depends(db),
) -> dict[str, Any]:
    return service.summary(service.return_to_organ(session, user, submission_id, body.comment))


@router.get("/api/dashboard")
def dashboard(
    user: User = Depends(current_user), session: Session = Depends(db), year: Year | None = None
) -> dict[str, Any]:
    """Organs × status of their latest submission of ``year`` (default: last year; 未提交 when none)."""
    return service.dashboard(session, user, year)


@router.get("/api/audit")
def audit_log(
    user: User = Depends(current_user),
    session: Session = Depends(db),
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, str]]:
    """The latest audit events (who, what, when), newest first; supervisors only."""
    return service.audit_log(session, user, limit)
