"""Accounts (等保 2.0): names, passwords, login throttling, session versions, organs and users.

Used by the CLI (``gidr admin``), the supervisor's pages and the login routes alike.
"""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gidr_xl.errors import UsageError
from gidr_xl.names import clean_name
from gidr_xl.server.db import AuditEvent, EndedSession, LoginThrottle, Organ, User
from gidr_xl.server.refusals import Forbidden, NotLoggedIn, TooManyAttempts
from gidr_xl.server.security import check_password, hash_password

ROLES = {"organ": "填报单位", "supervisor": "主管部门"}
WINDOW = dt.timedelta(minutes=15)  # failures older than this are forgotten
LOCKOUT = dt.timedelta(minutes=15)
USER_LOCK_AFTER, IP_LOCK_AFTER = 5, 30  # failures within the window
USER_DELAY_FROM, IP_DELAY_FROM = 3, 10  # growing delays (2, 4, 8 … s) from this failure on
SESSION_LIFETIME = dt.timedelta(hours=8)  # the signed cookie's max age
# an argon2 hash of nothing anyone knows: unknown users cost the same time as known ones
_DUMMY_HASH = hash_password(secrets.token_urlsafe(32))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def check_new_password(password: str) -> None:
    """At least 8 characters of at least two kinds (letters, digits, other)."""
    kinds = sum(
        (
            any(c.isalpha() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if len(password) < 8 or kinds < 2:
        raise UsageError("密码至少 8 位，并包含字母、数字、符号中的至少两类。")
    if len(password) > 256:
        raise UsageError("密码最长 256 个字符。")


def audit(session: Session, user: str, action: str, detail: str = "") -> None:
    session.add(AuditEvent(user=user, action=action, detail=detail))


# --- login -------------------------------------------------------------------------------------


def _locked(rows: list[LoginThrottle], now: dt.datetime) -> dt.timedelta | None:
    waits = [r.locked_until - now for r in rows if r.locked_until and r.locked_until > now]
    return max(waits) if waits else None


def _wait_text(wait: dt.timedelta) -> str:
    seconds = int(wait.total_seconds()) + 1
    return f"{seconds} 秒" if seconds < 120 else f"{seconds // 60 + 1} 分钟"


def _record_failure(session: Session, key: str, now: dt.datetime, lock_after: int, delay_from: int) -> None:
    row = session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0, first_at=now, locked_until=None)
        session.add(row)
    if now - row.first_at > WINDOW:
        row.failures, row.first_at = 0, now
    row.failures += 1
    if row.failures >= lock_after:
        row.locked_until = now + LOCKOUT
    elif row.failures >= delay_from:
        row.locked_until = now + dt.timedelta(seconds=2 ** (row.failures - delay_from + 1))


def authenticate(session: Session, username: str, password: str, client: str) -> User:
    """The user; NotLoggedIn (wrong), Forbidden (disabled) or TooManyAttempts. Throttled per user name and per client address (growing delays,
    then a lockout window); unknown names cost one argon2 check like known ones; all in the audit log."""
    name = unicodedata.normalize("NFC", str(username)).strip()[:100]
    keys = [f"user:{name}", f"ip:{client}"[:300]]
    now = _now()
    wait = _locked([r for k in keys if (r := session.get(LoginThrottle, k)) is not None], now)
    if wait is not None:
        audit(session, name, "login-throttled", f"from {client}")
        session.commit()
        raise TooManyAttempts(f"登录失败次数过多，请 {_wait_text(wait)}后再试。")
    user = session.scalar(select(User).where(User.username == name))
    ok = check_password(user.password_hash if user else _DUMMY_HASH, str(password)[:256]) and user is not None
    if ok and not user.disabled:
        for key in keys[:1]:  # the address keeps its count: one right password must not unlock a sweep
            row = session.get(LoginThrottle, key)
            if row is not None:
                session.delete(row)
        audit(session, name, "login", f"from {client}")
        session.commit()
        return user
    for _ in range(3):  # two workers may create the same throttle row at once
        try:
            _record_failure(session, keys[0], now, USER_LOCK_AFTER, USER_DELAY_FROM)
            _record_failure(session, keys[1], now, IP_LOCK_AFTER, IP_DELAY_FROM)
            audit(session, name, "login-disabled" if ok else "login-failed", f"from {client}")
            session.commit()
            break
        except IntegrityError:
            session.rollback()
    if ok:
        raise Forbidden("该账号已停用，请联系主管部门。")
    raise NotLoggedIn("用户名或密码错误。")


def new_session_id() -> str:
    """The id of one login's session (kept in its signed cookie)."""
    return secrets.token_urlsafe(24)


def session_valid(session: Session, user: User | None, version: object, sid: object) -> bool:
    """Whether a session with ``version`` and id ``sid`` still belongs to an active ``user``: not
    ended by its logout, nor by a password change or disabling (which raise the version)."""
    if user is None or user.disabled or version != user.session_version:
        return False
    return isinstance(sid, str) and bool(sid) and session.get(EndedSession, sid[:64]) is None


def end_session(session: Session, user: User, sid: object) -> None:
    """End one session (a logout): this cookie and every copy of it; the user's other sessions go on.
    Ended sessions older than any cookie's lifetime are forgotten. The caller commits."""
    now = _now()
    session.execute(delete(EndedSession).where(EndedSession.ended_at < now - SESSION_LIFETIME))
    if isinstance(sid, str) and sid and session.get(EndedSession, sid[:64]) is None:
        session.add(EndedSession(sid=sid[:64], user_id=user.id, ended_at=now))


def end_sessions(user: User) -> None:
    """Every session of ``user`` ends at its next request (password change, disabling)."""
    user.session_version = (user.session_version or 1) + 1


# --- administration ----------------------------------------------------------------------------


def create_organ(session: Session, name: str, actor: str) -> Organ:
    name = clean_name(name, "单位名称", 200)
    if session.scalar(select(Organ).where(Organ.name == name)) is not None:
        raise UsageError(f"单位“{name}”已存在。")
    organ = Organ(name=name)
    session.add(organ)
    audit(session, actor, "create-organ", name)
    session.commit()
    return organ


def create_user(
    session: Session, username: str, password: str, role: str, organ: str | None, actor: str
) -> User:
    """A new account: an organ user belongs to one organ; a supervisor to none."""
    username = clean_name(username, "用户名", 100)
    if role not in ROLES:
        raise UsageError("角色应为 organ（填报单位）或 supervisor（主管部门）。")
    check_new_password(password)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise UsageError(f"用户“{username}”已存在。")
    organ_row = None
    if role == "supervisor":
        if organ:
            raise UsageError("主管部门账号不属于任何填报单位，请不要指定单位。")
    else:
        organ_name = clean_name(organ or "", "所属单位", 200)
        organ_row = session.scalar(select(Organ).where(Organ.name == organ_name))
        if organ_row is None:
            raise UsageError(f"找不到单位“{organ_name}”，请先创建该单位。")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        organ_id=organ_row.id if organ_row else None,
    )
    session.add(user)
    audit(session, actor, "create-user", f"{username} ({role})")
    session.commit()
    return user


def set_password(session: Session, user: User, password: str, actor: str) -> None:
    """A new password (own change or a supervisor's reset); every session of the user ends."""
    check_new_password(password)
    user.password_hash = hash_password(password)
    end_sessions(user)
    audit(session, actor, "set-password", user.username)
    session.commit()


def set_disabled(session: Session, user: User, disabled: bool, actor: str) -> None:
    user.disabled = disabled
    end_sessions(user)
    audit(session, actor, "disable-user" if disabled else "enable-user", user.username)
    session.commit()
