"""The Jinja2 templates of the pages and of the HTML error page, and rendering with the session's
CSRF token and flash message."""

from __future__ import annotations

from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from gidr_xl.resources import data_path
from gidr_xl.server.security import new_csrf_token

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


def csrf_token(request: Request) -> str:
    """The session's form token (created on the first page view)."""
    if "csrf" not in request.session:
        request.session["csrf"] = new_csrf_token()
    return request.session["csrf"]


def render(request: Request, name: str, **context: Any) -> HTMLResponse:
    """A page with the session's CSRF token and its pending flash message (shown once)."""
    flash = request.session.pop("flash", None)
    defaults = {"csrf": csrf_token(request), "flash": flash, "status_class": STATUS_CLASS}
    return TEMPLATES.TemplateResponse(request, name, {**defaults, **context})


def error_page(request: Request, status: int, title: str, message: str) -> str:
    """The HTML error page (no user, no form token)."""
    context = {"user": None, "csrf": "", "flash": None, "status": status, "title": title, "message": message}
    return TEMPLATES.get_template("error.html.j2").render(request=request, **context)
