"""The supervisor's pages for organs and accounts (/admin)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from gidr_xl.errors import UsageError
from gidr_xl.server.accounts import ROLES, create_organ, create_user, set_disabled, set_password
from gidr_xl.server.db import Organ, User
from gidr_xl.server.deps import db, page_user
from gidr_xl.server.routes.pages import SubmissionId, check_csrf, flash_and_go, to_login
from gidr_xl.server.service import require_supervisor
from gidr_xl.server.templates import render

UserId = SubmissionId  # the same bounds

router = APIRouter(include_in_schema=False)


def supervisor(request: Request, session: Session) -> User | None:
    """The logged-in supervisor; None when nobody is logged in, Forbidden for an organ account."""
    user = page_user(request, session)
    if user is not None:
        require_supervisor(user, "管理单位和账号")
    return user


def admin_action(
    request: Request, session: Session, csrf: str, action: Callable[[User], str]
) -> RedirectResponse:
    """Run ``action`` for the supervisor and show its message (or why it failed) on /admin."""
    check_csrf(request, csrf)
    user = supervisor(request, session)
    if user is None:
        return to_login()
    try:
        message = action(user)
    except UsageError as exc:
        session.rollback()
        message = str(exc)
    return flash_and_go(request, message, "/admin")


def target(session: Session, user_id: int) -> User:
    found = session.get(User, user_id)
    if found is None:
        raise UsageError("没有这个账号。")
    return found


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, session: Session = Depends(db)) -> HTMLResponse:
    user = supervisor(request, session)
    if user is None:
        return to_login()
    organs = list(session.scalars(select(Organ).order_by(Organ.name)))
    users = list(session.scalars(select(User).order_by(User.id)))
    return render(request, "admin.html.j2", user=user, organs=organs, users=users, roles=ROLES)


@router.post("/admin/organs")
def admin_create_organ(
    request: Request, name: str = Form(""), csrf: str = Form(""), session: Session = Depends(db)
) -> RedirectResponse:
    def act(me: User) -> str:
        return f"已创建单位：{create_organ(session, name, me.username).name}"

    return admin_action(request, session, csrf, act)


@router.post("/admin/users")
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


@router.post("/admin/users/{user_id}/disable")
def admin_disable(
    request: Request,
    user_id: UserId,
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


@router.post("/admin/users/{user_id}/password")
def admin_reset_password(
    request: Request,
    user_id: UserId,
    password: str = Form(""),
    csrf: str = Form(""),
    session: Session = Depends(db),
) -> RedirectResponse:
    def act(me: User) -> str:
        who = target(session, user_id)
        set_password(session, who, password, me.username)
        return f"已重置 {who.username} 的密码；其登录已全部失效。"

    return admin_action(request, session, csrf, act)
