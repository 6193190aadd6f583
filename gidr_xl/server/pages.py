"""Server-rendered pages in Chinese: login, upload, dashboard, a submission with its findings.

Every form carries a CSRF token kept in the signed session; a POST without the matching
token is refused with 403.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import jinja2
from fastapi import Depends, FastAPI, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from gidr_xl.errors import UsageError
from gidr_xl.resources import data_path
from gidr_xl.server.accounts import (
    ROLES,
    LoginRefused,
    audit,
    authenticate,
    create_organ,
    create_user,
    end_sessions,
    session_valid,
    set_disabled,
    set_password,
)
from gidr_xl.server.config import Settings
from gidr_xl.server.db import Organ, Submission, User
from gidr_xl.server.security import check_password, new_csrf_token, same_token
from gidr_xl.server.service import (
    board,
    create_submission,
    deadlines,
    default_year,
    latest_version_id,
    read_upload,
    report_years,
    require_organ,
    require_supervisor,
    return_to_organ,
    submissions_for,
    summary,
    visible,
)
from gidr_xl.server.work import check_bytes

# Jinja2Templates autoescapes only .html/.htm/.xml by default; ours are *.html.j2, so say so:
# every organ name, file name, comment, finding text and flash message is user-controlled.
TEMPLATES = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_path("server"))),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True, default=True),
    )
)


STATUS_CLASS = {
    "已通过": "status-passed",
    "校验未通过": "status-failed",
    "已退回": "status-returned",
    "未提交": "status-missing",
}


def group_findings(findings: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Findings grouped by the sheet of their first cell (表二, 表三 …), errors first in each group."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        refs = [c.get("ref", "") for c in f.get("cells", [])]
        sheet = refs[0].split("!")[0] if refs and "!" in refs[0] else "其他"
        groups.setdefault(sheet, []).append(f)
    return [(k, sorted(v, key=lambda f: f.get("severity") != "error")) for k, v in groups.items()]


def _csrf(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = new_csrf_token()
    return request.session["csrf"]


def _check_csrf(request: Request, token: str) -> None:
    if not same_token(request.session.get("csrf"), token):
        raise HTTPException(
            status_code=403, detail="表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。"
        )


SubmissionId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def add_pages(app: FastAPI, db, settings: Settings) -> None:
    """Register the HTML pages; ``db`` is the app's session dependency."""
    app.mount("/static", StaticFiles(directory=str(data_path("server", "static"))), name="static")

    def page_user(request: Request, session: Session) -> User | None:
        """The logged-in user, or None (also when the session was ended: logout, new password, disabled)."""
        user_id = request.session.get("user_id")
        user = session.get(User, user_id) if isinstance(user_id, int) else None
        if user_id is not None and not session_valid(user, request.session.get("sv")):
            request.session.clear()
            return None
        return user

    def render(request: Request, name: str, **context: Any) -> HTMLResponse:
        flash = request.session.pop("flash", None)
        defaults = {"csrf": _csrf(request), "flash": flash, "status_class": STATUS_CLASS}
        return TEMPLATES.TemplateResponse(request, name, {**defaults, **context})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(
        request: Request,
        session: Session = Depends(db),
        year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    ) -> HTMLResponse:
        user = page_user(request, session)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        chosen = year or default_year()
        rows = [summary(s) for s in submissions_for(session, user, newest_first=True)]
        context = {
            "user": user,
            "submissions": rows,
            "year": chosen,
            "years": report_years(session),
            "deadlines": deadlines(chosen),
        }
        if user.role == "supervisor":
            context["board"] = board(session, chosen)
        return render(request, "home.html.j2", **context)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs(request: Request, session: Session = Depends(db)) -> HTMLResponse:
        """The API described from the OpenAPI schema, rendered here (no CDN, no script)."""
        schema = app.openapi()
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

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request) -> HTMLResponse:
        return render(request, "login.html.j2", user=None)

    @app.post("/login", include_in_schema=False)
    def login_form(
        request: Request,
        username: str = Form(...),
        password: str = Form(...),
        csrf: str = Form(""),
        session: Session = Depends(db),
    ) -> RedirectResponse:
        _check_csrf(request, csrf)
        try:
            user = authenticate(session, username, password, request.client.host if request.client else "")
        except LoginRefused as exc:
            request.session["flash"] = exc.message
            return RedirectResponse("/login", status_code=303)
        request.session.clear()
        request.session.update({"user_id": user.id, "sv": user.session_version, "csrf": new_csrf_token()})
        return RedirectResponse("/", status_code=303)

    @app.post("/logout", include_in_schema=False)
    def logout_form(
        request: Request, csrf: str = Form(""), session: Session = Depends(db)
    ) -> RedirectResponse:
        _check_csrf(request, csrf)
        user = page_user(request, session)
        if user is not None:
            end_sessions(user)
            audit(session, user.username, "logout")
            session.commit()
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/account", response_class=HTMLResponse, include_in_schema=False)
    def account_page(request: Request, session: Session = Depends(db)) -> HTMLResponse:
        user = page_user(request, session)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        return render(request, "account.html.j2", user=user)

    @app.post("/account/password", include_in_schema=False)
    def change_password(
        request: Request,
        current: str = Form(""),
        new: str = Form(""),
        repeat: str = Form(""),
        csrf: str = Form(""),
        session: Session = Depends(db),
    ) -> RedirectResponse:
        _check_csrf(request, csrf)
        user = page_user(request, session)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        if not check_password(user.password_hash, current[:1024]):
            request.session["flash"] = "当前密码不正确。"
            return RedirectResponse("/account", status_code=303)
        if new != repeat:
            request.session["flash"] = "两次输入的新密码不一致。"
            return RedirectResponse("/account", status_code=303)
        try:
            set_password(session, user, new, user.username)
        except UsageError as exc:
            request.session["flash"] = str(exc)
            return RedirectResponse("/account", status_code=303)
        request.session.clear()  # every session ended, this one too: log in with the new password
        request.session["flash"] = "密码已修改，请用新密码登录。"
        return RedirectResponse("/login", status_code=303)

    def supervisor(request: Request, session: Session) -> User | None:
        user = page_user(request, session)
        if user is not None:
            require_supervisor(user, "管理单位和账号")
        return user

    @app.get("/admin", response_class=HTMLResponse, include_in_schema=False)
    def admin_page(request: Request, session: Session = Depends(db)) -> HTMLResponse:
        user = supervisor(request, session)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        organs = list(session.scalars(select(Organ).order_by(Organ.name)))
        users = list(session.scalars(select(User).order_by(User.id)))
        return render(request, "admin.html.j2", user=user, organs=organs, users=users, roles=ROLES)

    def admin_action(
        request: Request, session: Session, csrf: str, action: Callable[[User], str]
    ) -> RedirectResponse:
        _check_csrf(request, csrf)
        user = supervisor(request, session)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        try:
            request.session["flash"] = action(user)
        except UsageError as exc:
            session.rollback()
            request.session["flash"] = str(exc)
        return RedirectResponse("/admin", status_code=303)

    def target(session: Session, user_id: int) -> User:
        found = session.get(User, user_id)
        if found is None:
            raise UsageError("没有这个账号。")
        return found

    @app.post("/admin/organs", include_in_schema=False)
    def admin_create_organ(
        request: Request, name: str = Form(""), csrf: str = Form(""), session: Session = Depends(db)
    ) -> RedirectResponse:
        def act(me: User) -> str:
            return f"已创建单位：{create_organ(session, name, me.username).name}"

        return admin_action(request, session, csrf, act)

    @app.post("/admin/users", include_in_schema=False)
    def admin_create_user(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        role: str = Form("organ"),
        organ: str = Form(""),
        csrf: str = Form(""),
        session: Session = Depends(db),
    ) -> RedirectResponse:
        def act(me: User) -> str:
            made = create_user(session, username, password, role, organ or None, me.username)
            return f"已创建账号：{made.username}（{ROLES[made.role]}）"

        return admin_action(request, session, csrf, act)

    @app.post("/admin/users/{user_id}/disable", include_in_schema=False)
    def admin_disable(
        request: Request,
        user_id: SubmissionId,
        disabled: str = Form("1"),
        csrf: str = Form(""),
        session: Session = Depends(db),
    ) -> RedirectResponse:
        def act(me: User) -> str:
            who = target(session, user_id)
            if who.id == me.id:
                raise UsageError("不能停用自己的账号。")
            set_disabled(session, who, disabled == "1", me.username)
            return f"已{'停用' if who.disabled else '启用'}账号：{who.username}"

        return admin_action(request, session, csrf, act)

    @app.post("/admin/users/{user_id}/password", include_in_schema=False)
    def admin_reset_password(
        request: Request,
        user_id: SubmissionId,
        password: str = Form(""),
        csrf: str = Form(""),
        session: Session = Depends(db),
    ) -> RedirectResponse:
        def act(me: User) -> str:
            who = target(session, user_id)
            set_password(session, who, password, me.username)
            return f"已重置 {who.username} 的密码；其登录已全部失效。"

        return admin_action(request, session, csrf, act)

    @app.post("/upload", include_in_schema=False)
    async def upload_form(
        request: Request,
        file: UploadFile,
        csrf: str = Form(""),
        year: Annotated[int | None, Form(ge=2000, le=2100)] = None,
        session: Session = Depends(db),
    ) -> RedirectResponse:
        _check_csrf(request, csrf)
        user = page_user(request, session)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        try:
            require_organ(user)
            name, data = await read_upload(file, settings)
            checked = await request.app.state.workers.run(check_bytes, data, name)
            row, duplicate = await run_in_threadpool(
                create_submission, session, settings, user, name, data, checked, year
            )
        except HTTPException as exc:
            request.session["flash"] = f"上传失败：{exc.detail}"
            return RedirectResponse("/", status_code=303)
        request.session["flash"] = (
            "这份文件已经报送过，未重复保存。"
            if duplicate
            else f"已收到，第 {row.version} 版：{row.status}。"
        )
        return RedirectResponse(f"/submissions/{row.id}", status_code=303)

    @app.get("/submissions/{submission_id}", response_class=HTMLResponse, include_in_schema=False)
    def submission_page(
        submission_id: SubmissionId, request: Request, session: Session = Depends(db)
    ) -> HTMLResponse:
        user = page_user(request, session)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        s = visible(user, session.get(Submission, submission_id))
        return render(
            request,
            "submission.html.j2",
            user=user,
            s=summary(s),
            latest=latest_version_id(session, s) == s.id,
            deadlines=deadlines(s.year) if s.year else None,
            result=(result := json.loads(s.result_json)),
            groups=group_findings(result.get("findings", [])),
        )

    @app.post("/submissions/{submission_id}/return", include_in_schema=False)
    def return_form(
        submission_id: SubmissionId,
        request: Request,
        comment: str = Form(...),
        csrf: str = Form(""),
        session: Session = Depends(db),
    ) -> RedirectResponse:
        _check_csrf(request, csrf)
        user = page_user(request, session)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        try:
            s = return_to_organ(session, user, submission_id, comment)
        except HTTPException as exc:
            if exc.status_code != 422:
                raise
            request.session["flash"] = exc.detail
            return RedirectResponse(f"/submissions/{submission_id}", status_code=303)
        request.session["flash"] = "已退回。"
        return RedirectResponse(f"/submissions/{s.id}", status_code=303)
