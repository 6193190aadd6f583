"""Optional parts of gidr-xl (pip extras) and the message when one is not installed."""

from __future__ import annotations

#: Top-level module → the extra that installs it (see pyproject.toml).
_EXTRA_OF_MODULE = {
    "xlwings": "addin",
    "fastapi": "server",
    "starlette": "server",
    "uvicorn": "server",
    "sqlalchemy": "server",
    "alembic": "server",
    "argon2": "server",
    "multipart": "server",
    "python_multipart": "server",
    "itsdangerous": "server",
    "psycopg": "postgres",
}

_PURPOSE = {"addin": "Excel 加载项", "server": "报送服务", "postgres": "PostgreSQL 数据库"}


def missing_extra_message(exc: ModuleNotFoundError) -> str | None:
    """A Chinese instruction when ``exc`` is an optional dependency that is not installed."""
    top = (exc.name or "").split(".")[0]
    extra = _EXTRA_OF_MODULE.get(top)
    if extra is None:
        return None
    return (
        f"{_PURPOSE[extra]}需要可选组件 gidr-xl[{extra}]（缺少 Python 包 {top}）。"
        f'请运行：pip install "gidr-xl[{extra}]"'
    )
