"""What the server does, independent of how it is asked (JSON API or HTML form).

Both front-ends (app.py, pages.py) call these functions, so login, submission, return and the
dashboard behave identically whichever way a user reaches them.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from fastapi import HTTPException, UploadFile
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gidr_xl.errors import GidrError
from gidr_xl.outputs.json_report import to_dict
from gidr_xl.reader.opening import check_container
from gidr_xl.reader.workbook import read_report
from gidr_xl.server.config import Settings
from gidr_xl.server.db import AuditEvent, Organ, Submission, User
from gidr_xl.server.security import check_password
from gidr_xl.server.storage import store
from gidr_xl.validate.validator import Result, validate

PASSED, FAILED, RETURNED, MISSING = "已通过", "校验未通过", "已退回", "未提交"


def error(status: int, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail=message)


def audit(session: Session, user: str, action: str, detail: str = "") -> None:
    session.add(AuditEvent(user=user, action=action, detail=detail))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password is right; every attempt is in the audit log."""
    user = session.scalar(select(User).where(User.username == username))
    ok = user is not None and check_password(user.password_hash, password)
    audit(session, username, "login" if ok else "login-failed")
    session.commit()
    return user if ok else None


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


def check_upload(data: bytes, name: str) -> Result:
    """Validate uploaded bytes through the hostile-input boundary; 4xx on anything unusable."""
    with tempfile.TemporaryDirectory(prefix="gidr-up-") as tmp:
        path = Path(tmp) / "upload.xlsx"
        path.write_bytes(data)
        try:
            check_container(path)
            with zipfile.ZipFile(path) as zf:
                if any(n.lower().endswith("vbaproject.bin") for n in zf.namelist()):
                    raise error(
                        415, f"{name} 含有宏（VBA），为安全起见不予处理。请另存为不含宏的 .xlsx 后上传。"
                    )
            result = validate(read_report(path))
        except GidrError as exc:
            raise error(400, str(exc).replace(str(path), name)) from None
    result.report.source = name
    return result


def compiled_bytes(result: Result, kind: str) -> bytes:
    """The report of a valid workbook as docx, pdf or html bytes."""
    from gidr_xl.compile import compile_report, planned_outputs

    if not result.ok:
        raise error(409, f"校验未通过（{result.errors} 项错误），不能生成正式报告。")
    with tempfile.TemporaryDirectory(prefix="gidr-doc-") as tmp:
        out = compile_report(
            result, planned_outputs(Path(tmp) / "report.docx", kind == "pdf", kind == "html")
        )
        path = {"docx": out.docx, "pdf": out.pdf, "html": out.html}[kind]
        return path.read_bytes() if path else b""


def create_submission(
    session: Session, settings: Settings, user: User, name: str, data: bytes
) -> tuple[Submission, bool]:
    """Store a submission (file fsynced first, then one transaction); (row, was it a duplicate)."""
    if user.organ_id is None:
        raise error(403, "只有填报单位的账号可以报送。")
    result = check_upload(data, name)
    digest, path = store(settings.files_dir, data, ".xlsx")  # fsynced before the row is committed
    existing = session.scalar(
        select(Submission).where(Submission.organ_id == user.organ_id, Submission.sha256 == digest)
    )
    if existing is not None:
        return existing, True
    year = result.report.year
    last = session.scalar(
        select(func.max(Submission.version)).where(
            Submission.organ_id == user.organ_id, Submission.year == year
        )
    )
    row = Submission(
        organ_id=user.organ_id,
        year=year,
        version=(last or 0) + 1,
        format_id=result.report.spec.id,
        sha256=digest,
        filename=name,
        stored_path=str(path),
        status=PASSED if result.ok else FAILED,
        errors=result.errors,
        warnings=result.warnings,
        result_json=json.dumps(to_dict(result), ensure_ascii=False),
        created_by=user.id,
    )
    session.add(row)
    audit(session, user.username, "submit", f"{name} sha256={digest} version={row.version}")
    session.commit()
    return row, False


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
