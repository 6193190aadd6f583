"""Liveness."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter

from gidr_xl.version import __version__

router = APIRouter()


@router.get("/api/health")
async def health() -> dict[str, Any]:
    """Liveness on the event loop itself (never queued behind work); pid tells the worker apart."""
    return {"status": "ok", "version": __version__, "pid": os.getpid()}
