"""ASGI entry point for several worker processes: ``uvicorn gidr_xl.server.asgi:app --workers N``
(what ``gidr serve --workers N`` runs). Settings come from the GIDR_* environment variables."""

from gidr_xl.server.app import create_app
from gidr_xl.server.config import load_settings

app = create_app(load_settings())
