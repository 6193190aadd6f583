"""Server-rendered pages in Chinese: login, upload, dashboard, a submission with its findings.

Every form carries a CSRF token kept in the signed session; a POST without the matching
token is refused with 403.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from gidr_xl.errors import UsageError
from gidr_xl.server import service
from gidr_xl.server.accounts import set_password
from gidr_xl.server.config import Settings
from gidr_xl.server.deps import client_address, db, page_user, settings, start_session, workers
from gidr_xl.server.refusals import Forbidden, Invalid, ServiceError
from gidr_xl.server.security import check_password, same_token
from gidr_xl.server.templates import render
from gidr_xl.server.work import Workers

SubmissionId = Annotated[int, Path(ge=1, le=2**31 - 1)]

router = APIRouter(include_in_schema=False)


def group_findings(findings: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Findings grouped by the sheet of their first cell (表二, 表三 …), errors first in each group."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        refs = [c.get("ref", "") for c in f.get("cells", [])]
        sheet = refs[0].split("!")[0] if refs and "!" in refs[0] else "其他"
        groups.setdefault(sheet, []).append(f)
    return [(k, sorted(v, key=lambda f: f.get("severity") != "error")) for k, v in groups.items()]


def check_csrf(request: Request, token: str) -> None:
    """Forbidden unless ``token`` is the session's form token."""
    if not same_token(request.session.get("csrf"), token):
        raise Forbidden("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。")


def to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


def flash_and_go(request: Request, message: str, url: str) -> RedirectResponse:
    """Show ``message`` on the next page, which is ``url``."""
    request.session["flash"] = message
    return RedirectResponse(url, status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    session: Session = Depends(db),
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> HTMLResponse:
    user = page_user(request, session)
    if user is None:
        return to_login()
    chosen = year or service.default_year()
    rows = [service.summary(s) for s in service.submissions_for(session, user, newest_first=True)]
    context = {
        "user": user,
        "submissions": rows,
        "year": chosen,
        "years": service.report_years(session),
        "deadlines": service.deadlines(chosen),
    }
    if user.role == "supervisor":
        context["board"] = service.board(session, chosen)
    return render(request, "home.html.j2", **context)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request, session: Session = Depends(db)) -> HTMLResponse:
    """The API described from the OpenAPI schema, rendered here (no CDN, no script)."""
    schema = request.app.openapi()
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = "、".join(p["name"] for p in op.get("parameters", []))
            if "requestBody" in op:
                params = "、".join(filter(None, [params, "请求体"]))
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("description") or op.get("summary", ""),
                    "params": params,
                }
            )
    info = schema.get("info", {})
    return render(
        request,
        "docs.html.j2",
        user=page_user(request, session),
        title=info.get("title", ""),
        description=info.get("description", ""),
        operations=operations,
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html.j2", user=None)


@router.post("/login")
def login_form(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    csrf: str = Form(""),
    session: Session = Depends(db),
) -> RedirectResponse:
    check_csrf(request, csrf)
    try:
        user = service.log_in(session, username, password, client_address(request))
    except ServiceError as exc:
        return flash_and_go(request, exc.message, "/login")
    start_session(request, user)
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def logout_form(request: Request, csrf: str = Form(""), session: Session = Depends(db)) -> RedirectResponse:
    check_csrf(request, csrf)
    state = request.session
    service.log_out(session, state.get("user_id"), state.get("sv"), state.get("sid"))
    request.session.clear()
    return to_login()


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, session: Session = Depends(db)) -> HTMLResponse:
    user = page_user(request, session)
    if user is None:
        return to_login()
    return render(request, "account.html.j2", user=user)


@router.post("/account/password")
def change_password(
    request: Request,
    current: str = Form(""),
    new: str = Form(""),
    repeat: str = Form(""),
    csrf: str = Form(""),
    session: Session = Depends(db),
) -> RedirectResponse:
    check_csrf(request, csrf)
    user = page_user(request, session)
    if user is None:
        return to_login()
    if not check_password(user.password_hash, current[:1024]):
        return flash_and_go(request, "当前密码不正确。", "/account")
    if new != repeat:
        return flash_and_go(request, "两次输入的新密码不一致。", "/account")
    try:
        set_password(session, user, new, user.username)
    except UsageError as exc:
        return flash_and_go(request, str(exc), "/account")
    request.session.clear()  # every session ended, this one too: log in with the new password
    return flash_and_go(request, "密码已修改，请用新密码登录。", "/login")


@router.post("/upload")
async def upload_form(
    request: Request,
    file: UploadFile,
    csrf: str = Form(""),
    year: Annotated[int | None, Form(ge=2000, le=2100)] = None,
    session: Session = Depends(db),
    config: Settings = Depends(settings),
    pool: Workers = Depends(workers),
) -> RedirectResponse:
    check_csrf(request, csrf)
    user = page_user(request, session)
    if user is None:
        return to_login()
    try:
        row, duplicate = await service.submit(session, config, pool, user, file, year)
    except ServiceError as exc:
        return flash_and_go(request, f"上传失败：{exc.message}", "/")
    message = (
        "这份文件已经报送过，未重复保存。" if duplicate else f"已收到，第 {row.version} 版：{row.status}。"
    )
    return flash_and_go(request, message, f"/submissions/{row.id}")


@router.get("/submissions/{submission_id}", response_class=HTMLResponse)
def submission_page(
    submission_id: SubmissionId, request: Request, session: Session = Depends(db)
) -> HTMLResponse:
    user = page_user(request, session)
    if user is None:
        return to_login()
    s = service.find_submission(session, user, submission_id)
    result = json.loads(s.result_json)
    return render(
        request,
        "submission.html.j2",
        user=user,
        s=service.summary(s),
        latest=service.latest_version_id(session, s) == s.id,
        deadlines=service.deadlines(s.year) if s.year else None,
        result=result,
        groups=group_findings(result.get("findings", [])),
    )


@router.post("/submissions/{submission_id}/return")
def return_form(
    submission_id: SubmissionId,
    request: Request,
    comment: str = Form(...),
    csrf: str = Form(""),
    session: Session = Depends(db),
) -> RedirectResponse:
    check_csrf(request, csrf)
    user = page_user(request, session)
    if user is None:
        return to_login()
    try:
        s = service.return_to_organ(session, user, submission_id, comment)
    except Invalid as exc:
        return flash_and_go(request, exc.message, f"/submissions/{submission_id}")
    return flash_and_go(request, "已退回。", f"/submissions/{s.id}")
