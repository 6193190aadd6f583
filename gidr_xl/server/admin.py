"""Administration from the command line: create organs and users (``gidr admin …``)."""

from __future__ import annotations

from gidr_xl.server import accounts
from gidr_xl.server.config import Settings
from gidr_xl.server.db import make_engine, make_sessions


def create_organ(settings: Settings, name: str) -> int:
    with make_sessions(make_engine(settings.database_url))() as session:
        return accounts.create_organ(session, name, "admin").id


def create_user(settings: Settings, username: str, password: str, role: str, organ: str | None) -> int:
    with make_sessions(make_engine(settings.database_url))() as session:
        return accounts.create_user(session, username, password, role, organ, "admin").id
