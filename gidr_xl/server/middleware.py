"""Pure ASGI middleware: security headers on every response; body limits before any parsing."""

from __future__ import annotations

import asyncio
import json

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gidr_xl.server.security import same_token

# No inline script or style anywhere: the pages load /static/gidr.css and nothing else.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds CSP, nosniff, Referrer-Policy and frame-ancestors to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {b"content-security-policy"} | {h for h, _ in SECURITY_HEADERS}
                ]
                headers += [*SECURITY_HEADERS, (b"content-security-policy", csp.encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


UPLOAD_PATHS = frozenset({"/api/validate", "/api/submissions", "/api/compile", "/upload"})
SMALL_BODY = 64 * 1024  # logins, return comments and other forms
MULTIPART_OVERHEAD = 64 * 1024
# A refused body announced up to this size is read and dropped before the answer (at most this
# long): most clients send their whole body before they read, and closing a connection with
# unread bytes resets it, so they would see "connection reset" instead of the 413.
DRAIN_BYTES = 32 * 1024 * 1024
DRAIN_SECONDS = 30.0


async def _answer(send: Send, status: int, message: str, location: str | None = None) -> None:
    """A JSON error (or a redirect) sent without touching the request body."""
    body = json.dumps({"error": message}, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if location:
        headers.append((b"location", location.encode()))
    await send(
        {"type": "http.response.start", "status": status, "headers": [*headers, (b"connection", b"close")]}
    )
    await send({"type": "http.response.body", "body": body})


async def _drain(receive: Receive, limit: int = DRAIN_BYTES, seconds: float = DRAIN_SECONDS) -> None:
    """Read and drop the request body (up to ``limit`` bytes and ``seconds``)."""
    received = 0
    try:
        async with asyncio.timeout(seconds):
            while received <= limit:
                message = await receive()
                if message["type"] != "http.request" or not message.get("more_body", False):
                    return
                received += len(message.get("body", b""))
    except TimeoutError:
        return


class BodyLimit:
    """Refuse oversized bodies before anything reads them, and anonymous uploads before their body.

    Content-Length above the limit: 413 without parsing anything; the body is read and dropped
    first when it is announced at no more than DRAIN_BYTES (and the request is not an anonymous
    upload), so that the client gets the answer. Without Content-Length (chunked), the bytes are
    counted as they arrive and the request fails with 413 as soon as the limit is passed, so the
    multipart parser never spools more than the limit. Must sit inside SessionMiddleware.
    """

    def __init__(self, app: ASGIApp, max_upload_bytes: int) -> None:
        self.app = app
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        upload = path in UPLOAD_PATHS
        limit = self.max_upload_bytes + MULTIPART_OVERHEAD if upload else SMALL_BODY
        too_large = (
            f"文件超过 {self.max_upload_bytes // (1024 * 1024)} MB 的上传上限。"
            if upload
            else "请求内容过大。"
        )
        anonymous = not scope.get("session", {}).get("user_id")
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await _answer(send, 400, "请求头 Content-Length 无效。")
                return
            if int(length) > limit:
                if int(length) <= DRAIN_BYTES and not (upload and anonymous):
                    await _drain(receive)
                await _answer(send, 413, too_large)
                return
        if upload and anonymous:
            if path == "/upload":
                await _answer(send, 303, "请先登录。", location="/login")
            else:
                await _answer(send, 401, "请先登录。")
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # an HTTPException passes FastAPI's body parsing unchanged and gets the JSON answer
                    raise HTTPException(status_code=413, detail=too_large)
            return message

        await self.app(scope, counted, send)


class ApiCsrf:
    """Cross-site request forgery on the JSON API: a state-changing /api request must come from this
    origin and be JSON or multipart (uploads). Browsers mark every cross-origin POST with Origin and
    Sec-Fetch-Site, so those headers decide (as Go's CrossOriginProtection and the Fetch Metadata
    guidance do); a request with neither comes from a script or tool, not a browser, and no
    cookie can be abused through it. An X-CSRF-Token header, when sent, must be the session's.
    So a cross-origin ``text/plain`` or form post is refused. Must sit inside SessionMiddleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in ("GET", "HEAD", "OPTIONS")
            or not scope["path"].startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        site = headers.get("sec-fetch-site")
        origin = headers.get("origin")
        # the host alone is compared: behind a TLS-terminating proxy the scheme seen here is http
        own_host = headers.get("host", "").lower()
        origin_host = None if origin is None else origin.partition("://")[2].lower()
        if (site is not None and site not in ("same-origin", "none")) or (
            origin_host is not None and origin_host != own_host
        ):
            await _answer(send, 403, "请求来自其他网站，已拒绝（跨站请求伪造防护）。")
            return
        if not scope.get("session", {}).get("user_id"):
            await self.app(scope, receive, send)  # no session, nothing to forge (the routes answer 401)
            return
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/json":
            await self.app(scope, receive, send)
            return
        if kind == "multipart/form-data":
            sent = headers.get("x-csrf-token")
            if sent is None or same_token(scope.get("session", {}).get("csrf"), sent):
                await self.app(scope, receive, send)
                return
            await _answer(send, 403, "X-CSRF-Token 请求头与登录应答中的 csrf 不符，已拒绝。")
            return
        if kind == "" and headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers:
            # nothing to forge without a body: a logout, or a method the route does not take (405)
            await self.app(scope, receive, send)
            return
        await _answer(send, 415, "接口只接受 application/json 或 multipart/form-data（上传文件）。")
