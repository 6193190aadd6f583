"""What the server does, independent of how it is asked (JSON API or HTML form).

Both front-ends (routes/*.py) call these functions, so login, submission, return and the
dashboard behave identically whichever way a user reaches them. Nothing here knows HTTP: a
refusal is one of the exceptions in refusals.py, which errors.py turns into a status code.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import time
import unicodedata
from typing import Any, Protocol

from anyio.to_thread import run_sync
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from gidr_xl.errors import UsageError
from gidr_xl.names import ORG_LONGEST, clean_name
from gidr_xl.server.accounts import audit, authenticate, end_session, session_valid
from gidr_xl.server.config import Settings
from gidr_xl.server.db import AuditEvent, Organ, Submission, User
from gidr_xl.server.refusals import BadRequest, Busy, Conflict, Forbidden, Invalid, NotFound, TooLarge
from gidr_xl.server.storage import store
from gidr_xl.server.work import (
    Checked,
    Workers,
    annotated_bytes,
    check_bytes,
    compile_stored,
    compile_upload_bytes,
    consolidate_paths,
    template_bytes,
)

PASSED, FAILED, RETURNED, MISSING = "已通过", "校验未通过", "已退回", "未提交"
REPORT_KINDS = ("docx", "pdf", "html")
_UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


class Upload(Protocol):
    """An uploaded file as the web framework hands it over."""

    filename: str | None

    async def read(self, size: int = -1) -> bytes: ...


# --- accounts and sessions ---------------------------------------------------------------------


def log_in(session: Session, username: str, password: str, client: str) -> User:
    """The user behind a right password (throttled and audited; refusals from accounts.authenticate)."""
    user = authenticate(session, username, password, client)
    _ = user.organ  # loaded now, for the answer
    return user


def session_user(session: Session, user_id: object, version: object, sid: object) -> User | None:
    """The user of a session, or None when there is none or it has ended (logout, new password,
    disabled, removed). The database connection is released before the request goes on."""
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if not session_valid(session, user, version, sid):
        session.commit()
        return None
    _ = user.organ  # loaded now: the connection goes back to the pool while the request waits
    session.commit()
    return user


def log_out(session: Session, user_id: object, version: object, sid: object) -> None:
    """End this session (its cookie and every copy of it), when it is still a valid one."""
    user = session_user(session, user_id, version, sid)
    if user is not None:
        end_session(session, user, sid)
        audit(session, user.username, "logout")
        session.commit()


# --- rules -------------------------------------------------------------------------------------


def require_supervisor(user: User, what: str) -> None:
    if user.role != "supervisor":
        raise Forbidden(f"只有主管部门的账号可以{what}。")


def require_organ(user: User) -> None:
    if user.organ_id is None:
        raise Forbidden("只有填报单位的账号可以报送。")


async def read_upload(file: Upload, settings: Settings) -> tuple[str, bytes]:
    """(file name, bytes) of an upload, refused above the size limit or when empty."""
    data = await file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise TooLarge(f"文件超过 {settings.max_upload_bytes // (1024 * 1024)} MB 的上传上限。")
    if not data:
        raise BadRequest("上传的文件是空的。")
    return file.filename or "upload.xlsx", data


def visible(user: User, submission: Submission | None) -> Submission:
    if submission is None or (user.role != "supervisor" and submission.organ_id != user.organ_id):
        raise NotFound("没有这份报送记录。")  # the same answer whether absent or forbidden
    return submission


def find_submission(session: Session, user: User, submission_id: int) -> Submission:
    """Submission ``submission_id`` when ``user`` may see it (NotFound otherwise)."""
    return visible(user, session.get(Submission, submission_id))


# --- uploads -----------------------------------------------------------------------------------


async def validate_upload(settings: Settings, workers: Workers, file: Upload) -> dict[str, Any]:
    """The findings of an uploaded workbook (nothing stored)."""
    name, data = await read_upload(file, settings)
    return (await workers.run(check_bytes, data, name)).result


async def submit(
    session: Session, settings: Settings, workers: Workers, user: User, file: Upload, year: int | None
) -> tuple[Submission, bool]:
    """Validate and store an upload of an organ's account; (row, was it a duplicate)."""
    require_organ(user)
    name, data = await read_upload(file, settings)
    checked = await workers.run(check_bytes, data, name)
    return await run_sync(create_submission, session, settings, user, name, data, checked, year)


async def compile_upload(settings: Settings, workers: Workers, file: Upload, kind: str) -> bytes:
    """An uploaded workbook that passes validation as a report (docx, pdf or html)."""
    if kind not in REPORT_KINDS:
        raise BadRequest("format 应为 docx、pdf 或 html。")
    name, data = await read_upload(file, settings)
    return await workers.compile(compile_upload_bytes, data, name, kind)


async def template(workers: Workers, user: User, year: int, org: str) -> tuple[bytes, str]:
    """A blank workbook of ``year`` for ``org`` (default: the user's organ), and its file name."""
    try:
        organ = clean_name(org, "机关名称", ORG_LONGEST) if org else (user.organ.name if user.organ else "")
    except UsageError as exc:
        raise Invalid(str(exc)) from None
    data = await workers.run(template_bytes, year, organ)
    safe = _UNSAFE_IN_FILE_NAMES.sub("_", organ)
    return data, f"{safe}-{year}-模板.xlsx" if safe else f"{year}-模板.xlsx"


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
        raise Conflict(
            f"{name} 是 {checked.year or '未填年度'} 年度的报告，与选择的报送年度 {year} 不符，未保存。"
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
    raise Busy("同时提交的人太多，请稍后重试。")


def _is_lock_conflict(exc: OperationalError) -> bool:
    """SQLite's 'database is locked' (a write lock taken by another process), worth a retry."""
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text


def submissions_for(session: Session, user: User, newest_first: bool = False) -> list[Submission]:
    order = Submission.id.desc() if newest_first else Submission.id
    query = select(Submission).order_by(order)
    if user.role != "supervisor":
        query = query.where(Submission.organ_id == user.organ_id)
    return list(session.scalars(query))


def return_to_organ(session: Session, user: User, submission_id: int, comment: str) -> Submission:
    """Return the latest version of a submission to its organ with the supervisor's comment."""
    require_supervisor(user, "退回报送")
    comment = unicodedata.normalize("NFC", comment).strip()
    if not comment:
        raise Invalid("请填写退回意见。")
    if any(unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\r\t" for c in comment):
        raise Invalid("退回意见含有控制字符或不可见字符，请重新输入。")
    s = find_submission(session, user, submission_id)
    if s.id != latest_version_id(session, s):
        raise Conflict(f"只能退回最新版本：{s.organ.name} {s.year} 年度已有更新的报送。")
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
    organ = _UNSAFE_IN_FILE_NAMES.sub("_", s.organ.name)
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


def dashboard(session: Session, user: User, year: int | None) -> dict[str, Any]:
    """The supervisor's board of ``year`` (default: the year being collected)."""
    require_supervisor(user, "查看汇总看板")
    return board(session, year or default_year())


# --- downloads and supervision -----------------------------------------------------------------


def _audit_download(session: Session, user: User, what: str) -> None:
    audit(session, user.username, "download", what)
    session.commit()


def original(session: Session, user: User, submission_id: int) -> tuple[str, str]:
    """(stored path, download name) of a submitted workbook; the download is audited."""
    s = find_submission(session, user, submission_id)
    _audit_download(session, user, f"submission {s.id} original")
    return s.stored_path, download_name(s, f"第{s.version}版", ".xlsx")


async def annotated(session: Session, workers: Workers, user: User, submission_id: int) -> tuple[bytes, str]:
    """The submitted workbook with the findings marked (fills, notes, 校验结果 sheet), and its name."""
    s = await run_sync(find_submission, session, user, submission_id)
    data = await workers.run(annotated_bytes, s.stored_path, s.filename)
    await run_sync(_audit_download, session, user, f"submission {s.id} annotated")
    return data, await run_sync(download_name, s, f"第{s.version}版-标出问题", ".xlsx")


async def report_docx(
    session: Session, workers: Workers, user: User, submission_id: int
) -> tuple[bytes, str]:
    """The report of a stored submission (.docx; refused unless it passes validation), and its name."""
    s = await run_sync(find_submission, session, user, submission_id)
    data = await workers.compile(compile_stored, s.stored_path, s.filename, "docx")
    await run_sync(_audit_download, session, user, f"submission {s.id} report.docx")
    return data, await run_sync(download_name, s, "政府信息公开工作年度报告", ".docx")


async def consolidated(session: Session, workers: Workers, user: User, year: int) -> dict[str, Any]:
    """Tables 二/三/四 summed over each organ's latest passed submission of ``year``."""
    require_supervisor(user, "查看汇总")
    query = (
        select(Submission).where(Submission.year == year, Submission.status == PASSED).order_by(Submission.id)
    )
    latest: dict[int, Submission] = {}
    for s in await run_sync(lambda: list(session.scalars(query))):
        latest[s.organ_id] = s
    if not latest:
        return {"year": year, "organs": [], "cells": {}}
    format_id, cells = await workers.run(consolidate_paths, [s.stored_path for s in latest.values()])
    organs = await run_sync(lambda: [s.organ.name for s in latest.values()])
    return {"year": year, "format": format_id, "organs": organs, "cells": cells}


def audit_log(session: Session, user: User, limit: int) -> list[dict[str, str]]:
    """The latest ``limit`` audit events (who, what, when), newest first; supervisors only."""
    require_supervisor(user, "查看审计日志")
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(min(limit, 1000)))
    return [{"at": e.at.isoformat(), "user": e.user, "action": e.action, "detail": e.detail} for e in rows]
