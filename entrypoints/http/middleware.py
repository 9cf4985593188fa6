"""Pure ASGI middleware: cheaper than BaseHTTPMiddleware and sees every response, errors included."""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from typing import Any
from urllib.parse import quote, unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.errors import BodyTooLarge, headers_too_large, internal_error, payload_too_large

log = logging.getLogger("todo_api.access")

MAX_BODY_BYTES = 64 * 1024
MAX_HEADER_BYTES = 16 * 1024
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
# The API serves only JSON. The docs pages run their bundled scripts (from /docs/assets, with an
# inline start-up script and inline styles) and may load nothing from anywhere else.
_STRICT_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
_DOCS_CSP = (
    b"content-security-policy",
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'",
)
_NO_STORE = (b"cache-control", b"no-store")


# The Hackathon II spec's path form: /api/{user_id}/tasks... A first segment "tasks" is always our
# own form, so /api/tasks/tasks stays the task named "tasks" (a 404), never user "tasks"'s list.
_USER_TASKS_PATH = re.compile(r"/api/(?P<user>(?!tasks/)[^/]*)(?P<rest>/tasks(?:/.*)?)", re.DOTALL)


class RequestContextMiddleware:
    """Request id, cache and security headers and one access-log line, on every response.

    Outermost, so CORS preflights carry them too. It also maps the paths frontends send onto our
    routes before anything routes them (see `normalize_path`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        normalize_path(scope)
        request_id = _request_id(scope)
        path: str = scope["path"]
        extra_headers = [(b"x-request-id", request_id.encode()), *_SECURITY_HEADERS]
        if path.startswith("/api"):
            extra_headers.append(_NO_STORE)
        extra_headers.append(_DOCS_CSP if path.startswith(("/docs", "/redoc")) else _STRICT_CSP)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *extra_headers]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            _log_request(scope, request_id, status, started)


class InternalErrorMiddleware:
    """A 500 that leaks nothing; inside CORS, so the browser may read it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = False

        async def watch(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            request_id = scope.get("state", {}).get("request_id")
            log.exception("unhandled error", extra={"fields": {"request_id": request_id}})
            if not response_started:
                await internal_error()(scope, receive, send)


class SizeLimitMiddleware:
    """431 for oversized headers; 413 for bodies over the limit, announced or streamed.

    Checked before any token or database work; the HTTP parser itself sets no header limit.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES, max_header_bytes: int = MAX_HEADER_BYTES
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if sum(len(key) + len(value) for key, value in scope["headers"]) > self.max_header_bytes:
            await headers_too_large()(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await payload_too_large()(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        await self.app(scope, counting_receive, send)


def normalize_path(scope: Scope) -> None:
    """One trailing slash is dropped (no redirect); `/api/{user_id}/tasks…` is served as `/api/tasks…`.

    The user id, percent-decoded, goes to `state["path_user_id"]` for the route class to check, and
    the prefix as the client wrote it to `state["tasks_prefix"]`, so that links keep its form.
    """
    state = scope.setdefault("state", {})
    state.setdefault("tasks_prefix", "/api")
    if scope.get("root_path"):
        return  # Mounted under a prefix by someone else's app: paths are theirs to shape.
    # The raw path keeps an encoded "/" inside a user id apart from the separators.
    raw = scope.get("raw_path")
    written = raw.decode("latin-1").partition("?")[0] if raw else quote(scope["path"])
    changed = False
    if len(written) > 1 and written.endswith("/"):
        written, changed = written[:-1], True
    hackathon = _USER_TASKS_PATH.fullmatch(written)
    if hackathon is not None:
        state["path_user_id"] = unquote(hackathon["user"])
        state["tasks_prefix"] = f"/api/{hackathon['user']}"
        written, changed = "/api" + hackathon["rest"], True
    if changed:
        # raw_path stays as sent, as Starlette's own Mount leaves it: routing reads only `path`.
        scope["path"] = unquote(written)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _request_id(scope: Scope) -> str:
    given = _header(scope, b"x-request-id")
    if given is not None and _SANE_REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def _log_request(scope: Scope, request_id: str, status: int, started: float) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    route = scope.get("route")
    principal = scope.get("state", {}).get("principal")
    fields: dict[str, Any] = {
        "request_id": request_id,
        "method": scope["method"],
        "route": getattr(route, "path", None) or "unmatched",
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    if principal is not None:
        # A hash lets logs be correlated per user without storing who the user is.
        fields["user"] = hashlib.sha256(principal.user_id.encode()).hexdigest()[:16]
    log.info("request", extra={"fields": fields})
