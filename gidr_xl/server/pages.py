"""Server-rendered pages in Chinese: login, upload, dashboard, a submission with its findings.

Every form carries a CSRF token kept in the signed session; a POST without the matching
token is refused with 403.
"""

from __future__ import annotations

import json
from typing import Any

import jinja2
from fastapi import Depends, FastAPI, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from gidr_xl.resources import data_path
from gidr_xl.server.config import Settings
from gidr_xl.server.db import Submission, User
from gidr_xl.server.security import new_csrf_token, same_token
from gidr_xl.server.service import (
    authenticate,
    board,
    create_submission,
    read_upload,
    require_organ,
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


def _csrf(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = new_csrf_token()
    return request.session["csrf"]


def _check_csrf(request: Request, token: str) -> None:
    if not same_token(request.session.get("csrf"), token):
        raise HTTPException(
            status_code=403, detail="表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。"
        )


def add_pages(app: FastAPI, db, settings: Settings) -> None:
    """Register the HTML pages; ``db`` is the app's session dependency."""
    app.mount("/static", StaticFiles(directory=str(data_path("server", "static"))), name="static")

    def page_user(request: Request, session: Session) -> User | None:
        user_id = request.session.get("user_id")
        return session.get(User, user_id) if user_id else None

    def render(request: Request, name: str, **context: Any) -> HTMLResponse:
        flash = request.session.pop("flash", None)
        return TEMPLATES.TemplateResponse(request, name, {"csrf": _csrf(request), "flash": flash, **context})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, session: Session = Depends(db)) -> HTMLResponse:
        user = page_user(request, session)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        rows = [summary(s) for s in submissions_for(session, user, newest_first=True)]
        context = {"user": user, "submissions": rows}
        if user.role == "supervisor":
            context["board"] = board(session, None)
        return render(request, "home.html.j2", **context)

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
        user = authenticate(session, username, password)
        if user is None:
            request.session["flash"] = "用户名或密码错误。"
            return RedirectResponse("/login", status_code=303)
        token = request.session.get("csrf")
        request.session.clear()
        request.session.update({"user_id": user.id, "csrf": token or new_csrf_token()})
        return RedirectResponse("/", status_code=303)

    @app.post("/logout", include_in_schema=False)
    def logout_form(request: Request, csrf: str = Form("")) -> RedirectResponse:
        _check_csrf(request, csrf)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.post("/upload", include_in_schema=False)
    async def upload_form(
        request: Request, file: UploadFile, csrf: str = Form(""), session: Session = Depends(db)
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
                create_submission, session, settings, user, name, data, checked
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
    def submission_page(submission_id: int, request: Request, session: Session = Depends(db)) -> HTMLResponse:
        user = page_user(request, session)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        s = visible(user, session.get(Submission, submission_id))
        return render(
            request, "submission.html.j2", user=user, s=summary(s), result=json.loads(s.result_json)
        )

    @app.post("/submissions/{submission_id}/return", include_in_schema=False)
    def return_form(
        submission_id: int,
        request: Request,
        comment: str = Form(...),
        csrf: str = Form(""),
        session: Session = Depends(db),
    ) -> RedirectResponse:
        _check_csrf(request, csrf)
        user = page_user(request, session)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        s = return_to_organ(session, user, submission_id, comment)
        request.session["flash"] = "已退回。"
        return RedirectResponse(f"/submissions/{s.id}", status_code=303)
