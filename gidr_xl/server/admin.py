"""Administration: create organs and users (``gidr admin …``)."""

from __future__ import annotations

from sqlalchemy import select

from gidr_xl.errors import UsageError
from gidr_xl.server.config import Settings
from gidr_xl.server.db import AuditEvent, Organ, User, make_engine, make_sessions
from gidr_xl.server.security import hash_password


def create_organ(settings: Settings, name: str) -> int:
    with make_sessions(make_engine(settings.database_url))() as session:
        if session.scalar(select(Organ).where(Organ.name == name)) is not None:
            raise UsageError(f"单位“{name}”已存在。")
        organ = Organ(name=name)
        session.add(organ)
        session.add(AuditEvent(user="admin", action="create-organ", detail=name))
        session.commit()
        return organ.id


def create_user(settings: Settings, username: str, password: str, role: str, organ: str | None) -> int:
    if role not in ("organ", "supervisor"):
        raise UsageError("角色应为 organ（填报单位）或 supervisor（主管部门）。")
    if len(password) < 8:
        raise UsageError("密码至少 8 位。")
    with make_sessions(make_engine(settings.database_url))() as session:
        if session.scalar(select(User).where(User.username == username)) is not None:
            raise UsageError(f"用户“{username}”已存在。")
        organ_row = session.scalar(select(Organ).where(Organ.name == organ)) if organ else None
        if role == "organ" and organ_row is None:
            raise UsageError(f"找不到单位“{organ}”，请先用 gidr admin create-organ 创建。")
        user = User(
            username=username,
            password_hash=hash_password(password),
            role=role,
            organ_id=organ_row.id if organ_row else None,
        )
        session.add(user)
        session.add(AuditEvent(user="admin", action="create-user", detail=f"{username} ({role})"))
        session.commit()
        return user.id
