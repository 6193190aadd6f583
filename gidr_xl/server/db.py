"""Database schema (SQLAlchemy 2): organs, users, submissions (versioned), audit events."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, create_engine, event, false, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker


class Base(DeclarativeBase):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Organ(Base):
    __tablename__ = "organs"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class User(Base):
    __tablename__ = "users"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are never reused (migration 0003)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # organ | supervisor
    organ_id: Mapped[int | None] = mapped_column(ForeignKey("organs.id"))
    organ: Mapped[Organ | None] = relationship()
    # kept in the session cookie and compared on every request: raising it ends every session
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    disabled: Mapped[bool] = mapped_column(default=False, server_default=false())


class LoginThrottle(Base):
    """Failed logins per key ("user:…" or "ip:…") within the current window, and the lock."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int]
    first_at: Mapped[dt.datetime]
    locked_until: Mapped[dt.datetime | None]


class EndedSession(Base):
    """A session ended by its logout (kept until its cookie would have expired anyway)."""

    __tablename__ = "ended_sessions"
    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int]  # no foreign key: a removed user's rows need no cleanup first
    ended_at: Mapped[dt.datetime] = mapped_column(index=True)


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("organ_id", "year", "version"),
        # migration 0002: bytes stored once per organ; versions unique even when the year is unknown
        Index("ux_submissions_organ_sha", "organ_id", "sha256", unique=True),
        Index(
            "ux_submissions_organ_year_version", "organ_id", text("coalesce(year, 0)"), "version", unique=True
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"))
    organ: Mapped[Organ] = relationship()
    year: Mapped[int | None]
    version: Mapped[int]
    format_id: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    org_in_file: Mapped[str | None] = mapped_column(String(300))  # 机关名称 on the workbook's cover
    stored_path: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))  # 校验未通过 | 已通过 | 已退回
    errors: Mapped[int]
    warnings: Mapped[int]
    result_json: Mapped[str] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class AuditEvent(Base):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=_now)
    user: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    detail: Mapped[str] = mapped_column(Text, default="")


def make_engine(url: str) -> Engine:
    """Engine with the schema migrated to the latest Alembic revision."""
    from gidr_xl.server.migrate import upgrade

    upgrade(url)
    # every request may hold a connection briefly: room for the thread pool's 40 threads
    engine = create_engine(url, future=True, pool_size=10, max_overflow=30, pool_timeout=60)
    if engine.dialect.name == "sqlite":
        # WAL: readers never block the writer; FULL: a commit is on disk when it returns;
        # busy_timeout: several worker processes wait for the write lock instead of failing
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


def make_sessions(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
