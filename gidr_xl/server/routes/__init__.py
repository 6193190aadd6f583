"""The server's routes, grouped in routers (the app factory includes them in this order)."""

from __future__ import annotations

from fastapi import APIRouter

from gidr_xl.server.routes import admin_pages, auth, pages, submissions, supervisor, system

ROUTERS: list[APIRouter] = [
    auth.router,
    submissions.router,
    supervisor.router,
    pages.router,
    admin_pages.router,
    system.router,
]
