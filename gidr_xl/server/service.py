"""What the server does, independent of how it is asked (JSON API or HTML form).

Both front-ends (app.py, pages.py) call these functions, so login, submission, return and the
dashboard behave identically whichever way a user reaches them.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

from fastapi import HTTPException, UploadFile
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from gidr_xl.server.config import Settings
from gidr_xl.server.db import AuditEvent, Organ, Submission, User
from gidr_xl.server.storage import store
from gidr_xl.server.work import Checked

PASSED, FAILED, RETURNED, MISSING = "已通过", "校验未通过", "已退回", "未提交"


def error(status: int, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail=message)


def audit(session: Session, user: str, action: str, detail: str = "") -> None:
    session.add(AuditEvent(user=user, action=action, detail=detail))


def require_supervisor(user: User, what: str) -> None:
    if user.role != "supervisor":
        raise error(403, f"只有主管部门的账号可以{what}。")


async def read_upload(file: UploadFile, settings: Settings) -> tuple[str, bytes]:
    """(file name, bytes) of an upload, refused above the size limit or when empty."""
    data = await file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise error(413, f"文件超过 {settings.max_upload_bytes // (1024 * 1024)} MB 的上传上限。")
    if not data:
        raise error(400, "上传的文件是空的。")
    return file.filename or "upload.xlsx", data


def require_organ(user: User) -> None:
    if user.organ_id is None:
        raise error(403, "只有填报单位的账号可以报送。")


def create_submission(
    session: Session, settings: Settings, user: User, name: str, data: bytes, checked: Checked
) -> tuple[Submission, bool]:
    """Store a validated submission (file fsynced first, then one transaction); (row, was it a duplicate).

    Concurrent uploads of one organ race for the next version number and for the same bytes: the
    unique indexes (organ, year, version) and (organ, sha256) decide, and the loser tries again —
    it then finds the identical row, or takes the next free version.
    """
    require_organ(user)
    digest, path = store(settings.files_dir, data, ".xlsx")  # fsynced before the row is committed
    for attempt in range(20):
        existing = session.scalar(
            select(Submission).where(Submission.organ_id == user.organ_id, Submission.sha256 == digest)
        )
        if existing is not None:
            session.commit()  # end the read transaction
            return existing, True
        last = session.scalar(
            select(func.max(Submission.version)).where(
                Submission.organ_id == user.organ_id,
                func.coalesce(Submission.year, 0) == (checked.year or 0),
            )
        )
        row = Submission(
            organ_id=user.organ_id,
            year=checked.year,
            version=(last or 0) + 1,
            format_id=checked.format_id,
            sha256=digest,
            filename=name,
            stored_path=str(path),
            status=PASSED if checked.ok else FAILED,
            errors=checked.errors,
            warnings=checked.warnings,
            result_json=json.dumps(checked.result, ensure_ascii=False),
            created_by=user.id,
        )
        session.add(row)
        audit(session, user.username, "submit", f"{name} sha256={digest} version={row.version}")
        try:
            session.commit()
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            if isinstance(exc, OperationalError) and not _is_lock_conflict(exc):
                raise
            time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
            continue
        return row, False
    raise error(503, "同时提交的人太多，请稍后重试。")


def _is_lock_conflict(exc: OperationalError) -> bool:
    """SQLite's 'database is locked' (a write lock taken by another process), worth a retry."""
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text


def visible(user: User, submission: Submission | None) -> Submission:
    if submission is None or (user.role != "supervisor" and submission.organ_id != user.organ_id):
        raise error(404, "没有这份报送记录。")  # the same answer whether absent or forbidden
    return submission


def submissions_for(session: Session, user: User, newest_first: bool = False) -> list[Submission]:
    order = Submission.id.desc() if newest_first else Submission.id
    query = select(Submission).order_by(order)
    if user.role != "supervisor":
        query = query.where(Submission.organ_id == user.organ_id)
    return list(session.scalars(query))


def return_to_organ(session: Session, user: User, submission_id: int, comment: str) -> Submission:
    require_supervisor(user, "退回报送")
    s = visible(user, session.get(Submission, submission_id))
    s.status, s.comment = RETURNED, comment
    audit(session, user.username, "return", f"submission {s.id}: {comment}")
    session.commit()
    return s


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


def board(session: Session, year: int | None) -> dict[str, Any]:
    """Organs × status of their latest submission (未提交 when none), with counts."""
    rows = []
    for organ in session.scalars(select(Organ).order_by(Organ.name)):
        query = select(Submission).where(Submission.organ_id == organ.id).order_by(Submission.id.desc())
        if year is not None:
            query = query.where(Submission.year == year)
        latest = session.scalars(query).first()
        rows.append(
            {
                "organ": organ.name,
                "status": latest.status if latest else MISSING,
                "submission": latest.id if latest else None,
            }
        )
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return {"organs": rows, "counts": counts}
