"""What the server does, independent of how it is asked (JSON API or HTML form).

Both front-ends (app.py, pages.py) call these functions, so login, submission, return and the
dashboard behave identically whichever way a user reaches them.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import time
import unicodedata
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
    session: Session,
    settings: Settings,
    user: User,
    name: str,
    data: bytes,
    checked: Checked,
    year: int | None = None,
) -> tuple[Submission, bool]:
    """Store a validated submission (file fsynced first, then one transaction); (row, was it a duplicate).

    Concurrent uploads of one organ race for the next version number and for the same bytes: the
    unique indexes (organ, year, version) and (organ, sha256) decide, and the loser tries again —
    it then finds the identical row, or takes the next free version.
    """
    require_organ(user)
    if year is not None and checked.year != year:
        raise error(
            409, f"{name} 是 {checked.year or '未填年度'} 年度的报告，与选择的报送年度 {year} 不符，未保存。"
        )
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
            org_in_file=checked.org[:300],
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
    comment = unicodedata.normalize("NFC", comment).strip()
    if not comment:
        raise error(422, "请填写退回意见。")
    if any(unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\r\t" for c in comment):
        raise error(422, "退回意见含有控制字符或不可见字符，请重新输入。")
    s = visible(user, session.get(Submission, submission_id))
    if s.id != latest_version_id(session, s):
        raise error(409, f"只能退回最新版本：{s.organ.name} {s.year} 年度已有更新的报送。")
    s.status, s.comment = RETURNED, comment
    audit(session, user.username, "return", f"submission {s.id}: {comment}")
    session.commit()
    return s


def latest_version_id(session: Session, s: Submission) -> int:
    """Id of the newest submission of the same organ and year."""
    return session.scalar(
        select(func.max(Submission.id)).where(
            Submission.organ_id == s.organ_id, func.coalesce(Submission.year, 0) == (s.year or 0)
        )
    )


def org_mismatch(s: Submission) -> bool:
    """The workbook's 机关名称 differs from the organ of the account that submitted it."""
    return s.org_in_file is not None and _plain(s.org_in_file) != _plain(s.organ.name)


def _plain(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def beijing_time(moment: dt.datetime) -> str:
    """A stored UTC time as 北京时间 ``YYYY-MM-DD HH:MM``."""
    return (moment + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


def default_year(today: dt.date | None = None) -> int:
    """The report year being collected now: last calendar year (reports are due by 1月31日)."""
    return (today or dt.date.today()).year - 1


def deadlines(year: int) -> dict[str, str]:
    """条例第五十条: each organ reports by 1月31日, the government's report is published by 3月31日."""
    return {"organ": f"{year + 1}年1月31日", "government": f"{year + 1}年3月31日"}


def download_name(s: Submission, what: str, suffix: str) -> str:
    """机关-年度-… file names, without characters that file systems refuse."""
    organ = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", s.organ.name)
    return f"{organ}-{s.year or '未知年度'}-{what}{suffix}"


def summary(s: Submission) -> dict[str, Any]:
    return {
        "id": s.id,
        "organ": s.organ.name,
        "year": s.year,
        "version": s.version,
        "format": s.format_id,
        "sha256": s.sha256,
        "filename": s.filename,
        "org_in_file": s.org_in_file,
        "org_mismatch": org_mismatch(s),
        "status": s.status,
        "errors": s.errors,
        "warnings": s.warnings,
        "comment": s.comment,
        "created_at": s.created_at.isoformat(),
        "submitted_at": beijing_time(s.created_at),
    }


def board(session: Session, year: int) -> dict[str, Any]:
    """Organs × status of their latest submission of ``year`` (未提交 when none), with counts."""
    rows = []
    for organ in session.scalars(select(Organ).order_by(Organ.name)):
        query = (
            select(Submission)
            .where(Submission.organ_id == organ.id, Submission.year == year)
            .order_by(Submission.id.desc())
        )
        latest = session.scalars(query).first()
        rows.append(
            {
                "organ": organ.name,
                "status": latest.status if latest else MISSING,
                "submission": latest.id if latest else None,
                "version": latest.version if latest else None,
                "submitted_at": beijing_time(latest.created_at) if latest else None,
                "org_mismatch": org_mismatch(latest) if latest else False,
            }
        )
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return {"year": year, "deadlines": deadlines(year), "organs": rows, "counts": counts}


def report_years(session: Session) -> list[int]:
    """Years offered in the selectors: every year with a submission, and 2019 up to last year."""
    seen = {y for y in session.scalars(select(Submission.year).distinct()) if y}
    return sorted(seen | set(range(2019, default_year() + 1)), reverse=True)
