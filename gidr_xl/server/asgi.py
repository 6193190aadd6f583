"""ASGI entry points for several worker processes: ``uvicorn gidr_xl.server.asgi:app --workers N``, or
``uvicorn --factory gidr_xl.server.asgi:create`` (what ``gidr serve --workers N`` runs). Settings come
from the GIDR_* environment variables."""

from fastapi import FastAPI

from gidr_xl.server.app import create_app
from gidr_xl.server.config import load_settings


def create() -> FastAPI:
    """A fresh app from the environment (uvicorn's factory mode: one per worker process)."""
    return create_app(load_settings())


def __getattr__(name: str) -> FastAPI:
    # ``asgi:app`` still works, but importing this module (as the factory path does) builds nothing.
    if name == "app":
        return create()
    raise AttributeError(name)
