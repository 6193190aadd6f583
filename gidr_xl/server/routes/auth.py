"""Login and logout through the JSON API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from gidr_xl.server import service
from gidr_xl.server.deps import client_address, db, start_session

router = APIRouter()


class LoginBody(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1024)


@router.post("/api/login")
def login(body: LoginBody, request: Request, session: Session = Depends(db)) -> dict[str, Any]:
    """Log in; the answer carries the token that multipart API requests send as X-CSRF-Token."""
    user = service.log_in(session, body.username, body.password, client_address(request))
    csrf = start_session(request, user)
    return {
        "username": user.username,
        "role": user.role,
        "organ": user.organ.name if user.organ else None,
        "csrf": csrf,
    }


@router.post("/api/logout")
def logout(request: Request, session: Session = Depends(db)) -> dict[str, bool]:
    """End this session (this cookie and any copy of it); the user's other sessions go on."""
    state = request.session
    service.log_out(session, state.get("user_id"), state.get("sv"), state.get("sid"))
    request.session.clear()
    return {"ok": True}
