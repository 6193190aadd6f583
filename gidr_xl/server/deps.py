"""What the routes get from the app and the request: a database session, the settings, the worker
pool, the logged-in user; starting a session at login."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from gidr_xl.server.accounts import new_session_id
from gidr_xl.server.config import Settings
from gidr_xl.server.db import User
from gidr_xl.server.refusals import NotLoggedIn
from gidr_xl.server.security import new_csrf_token
from gidr_xl.server.service import session_user
from gidr_xl.server.work import Workers


def db(request: Request) -> Iterator[Session]:
    """A database session for one request."""
    with request.app.state.sessions() as session:
        yield session


def settings(request: Request) -> Settings:
    return request.app.state.settings


def workers(request: Request) -> Workers:
    return request.app.state.workers


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def page_user(request: Request, session: Session) -> User | None:
    """The logged-in user, or None; an ended session (logout, new password, disabled) is cleared."""
    user_id = request.session.get("user_id")
    if user_id is None:
        return None
    user = session_user(session, user_id, request.session.get("sv"), request.session.get("sid"))
    if user is None:
        request.session.clear()
    return user


def current_user(request: Request, session: Session = Depends(db)) -> User:
    """The logged-in user; NotLoggedIn (401) without a valid session."""
    user = page_user(request, session)
    if user is None:
        raise NotLoggedIn("请先登录。")
    return user


def start_session(request: Request, user: User) -> str:
    """A fresh session for ``user`` (its own id and CSRF token); the token."""
    request.session.clear()
    request.session.update(
        {"user_id": user.id, "sv": user.session_version, "sid": new_session_id(), "csrf": new_csrf_token()}
    )
    return request.session["csrf"]
