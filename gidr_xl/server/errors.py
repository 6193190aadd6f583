"""Every error in Chinese and in the right shape: an HTML page with a way back for browsers, JSON
``{"error": …}`` for the API. Covers the service's refusals (refusals.py, mapped to their status
codes here and nowhere else), Starlette's 404/405, validation errors and anything unexpected
(never a traceback)."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from gidr_xl.server import refusals
from gidr_xl.server.templates import error_page

LOG = logging.getLogger("gidr_xl.server")
GENERIC = {
    400: "请求格式不正确。",
    401: "请先登录。",
    403: "没有权限执行这个操作。",
    404: "页面或记录不存在。",
    405: "不支持这种请求方法。",
    409: "与现有数据冲突。",
    413: "请求内容过大。",
    415: "不支持这种内容类型。",
    422: "请求内容不符合要求。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误，请联系管理员。",
    503: "服务器繁忙，请稍后重试。",
}
TITLES = {401: "请先登录", 403: "没有权限", 404: "找不到页面", 413: "内容过大", 429: "请稍后再试"}
_CJK = re.compile(r"[\u3400-\u9fff]")
STATUS: dict[type[refusals.ServiceError], int] = {
    refusals.BadRequest: 400,
    refusals.NotLoggedIn: 401,
    refusals.Forbidden: 403,
    refusals.NotFound: 404,
    refusals.Conflict: 409,
    refusals.TooLarge: 413,
    refusals.Unsupported: 415,
    refusals.Invalid: 422,
    refusals.TooManyAttempts: 429,
    refusals.Busy: 503,
}


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not the API)."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def chinese(status: int, detail: object) -> str:
    """Our own (Chinese) message, or a Chinese one for the status instead of Starlette's English."""
    if isinstance(detail, str) and _CJK.search(detail):
        return detail
    return GENERIC.get(status, GENERIC[500] if status >= 500 else GENERIC[400])


def status_of(exc: refusals.ServiceError) -> int:
    """The HTTP status of a refusal (its nearest mapped class; 400 for an unmapped one)."""
    return next((STATUS[k] for k in type(exc).__mro__ if k in STATUS), 400)


def answer(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error as a page (browsers) or as ``{"error": message}`` (the API)."""
    if wants_html(request):
        page = error_page(request, status, TITLES.get(status, "出错了"), message)
        return HTMLResponse(page, status_code=status, headers=headers)
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(refusals.ServiceError)
    async def _refused(request: Request, exc: refusals.ServiceError) -> Response:
        status = status_of(exc)
        return answer(request, status, chinese(status, exc.message))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() == "allow"} or None
        return answer(request, exc.status_code, chinese(exc.status_code, exc.detail), headers)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        names = []
        for e in exc.errors():
            if e.get("type") == "json_invalid":  # its location is a character offset, not a field
                return answer(request, 422, "请求内容不是有效的 JSON。")
            loc = [str(p) for p in e.get("loc", ())[1:]]
            names.append(".".join(loc) or "请求")
        fields = "、".join(dict.fromkeys(names))
        return answer(request, 422, f"请求缺少或填错了这些项：{fields}。")

    @app.exception_handler(SQLAlchemyTimeout)
    async def _busy(request: Request, exc: SQLAlchemyTimeout) -> Response:
        LOG.warning("database connection pool exhausted on %s %s", request.method, request.url.path)
        return answer(request, 503, "服务器繁忙（数据库连接已满），请稍后重试。", {"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        LOG.exception("unexpected error on %s %s", request.method, request.url.path)
        return answer(request, 500, f"服务器内部错误（{type(exc).__name__}），请联系管理员。")
