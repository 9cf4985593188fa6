"""Pure ASGI middleware: cheaper than BaseHTTPMiddleware and sees every response, errors included."""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import re
import time
import uuid
from typing import Any
from urllib.parse import quote, unquote

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.errors import BodyTooLarge, headers_too_large, internal_error, payload_too_large
from entrypoints.logs import log_info

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


class RequestMiddleware:
    """Everything every response goes through, in one pass (one layer costs less than four).

    In order: the paths frontends send mapped onto our routes (`normalize_path`); a request id,
    cache and security headers on every response; 431 and 413 for oversized headers and bodies
    before any token or database work; CORS, only when the request names an `Origin` (so CORS
    preflights carry the headers too, and 413s and 500s CORS headers); a 500 that leaks nothing;
    one access-log line.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        cors: dict[str, Any],
        max_bytes: int = MAX_BODY_BYTES,
        max_header_bytes: int = MAX_HEADER_BYTES,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_header_bytes = max_header_bytes
        # Starlette's CORS rules, as they were, around the guarded app.
        self._cors = CORSMiddleware(self._guarded, **cors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        normalize_path(scope)
        given_id = declared = None
        has_origin = False
        header_bytes = 0
        for key, value in scope["headers"]:
            header_bytes += len(key) + len(value)
            if key == b"x-request-id" and given_id is None:
                given_id = value.decode("latin-1")
            elif key == b"content-length" and declared is None:
                declared = value.decode("latin-1")
            elif key == b"origin":
                has_origin = True
        sane = given_id is not None and _SANE_REQUEST_ID.fullmatch(given_id)
        request_id = given_id if sane and given_id is not None else _request_ids.next()
        path: str = scope["path"]
        extra_headers = [(b"x-request-id", request_id.encode()), *_SECURITY_HEADERS]
        if path.startswith("/api"):
            extra_headers.append(_NO_STORE)
        extra_headers.append(_DOCS_CSP if path.startswith(("/docs", "/redoc")) else _STRICT_CSP)
        state = scope["state"]
        state["request_id"] = request_id
        state["header_bytes"] = header_bytes
        state["declared_length"] = declared
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *extra_headers]
            await send(message)

        try:
            if has_origin:
                await self._cors(scope, receive, send_with_headers)
            else:
                await self._guarded(scope, receive, send_with_headers)
        finally:
            _log_request(scope, request_id, status, started)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Size limits, then the app, with a 500 that leaks nothing if it raises."""
        state = scope["state"]
        if state["header_bytes"] > self.max_header_bytes:
            await headers_too_large()(scope, receive, send)
            return
        declared = state["declared_length"]
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await payload_too_large()(scope, receive, send)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        async def watch(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watch)
        except Exception:
            log.exception("unhandled error", extra={"fields": {"request_id": state.get("request_id")}})
            if not response_started:
                await internal_error()(scope, receive, send)


class _RequestIds:
    """32 hex digits, unique across processes: a random prefix per process, then a counter.

    uuid4 asks the kernel for randomness on every request, which was 5% of a page's CPU time.
    """

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self._prefix = uuid.uuid4().hex[:20]
        self._counter = itertools.count()

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter) & 0xFFFFFFFFFFFF:012x}"


_request_ids = _RequestIds()


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


def _log_request(scope: Scope, request_id: str, status: int, started: float) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    route = scope.get("route")
    state = scope.get("state", {})
    principal = state.get("principal")
    fields: dict[str, Any] = {
        "request_id": request_id,
        "method": scope["method"],
        "route": getattr(route, "path", None) or "unmatched",
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    if state.get("fast_read"):
        fields["fast_read"] = True
    if principal is not None:
        # A hash lets logs be correlated per user without storing who the user is.
        fields["user"] = hashlib.sha256(principal.user_id.encode()).hexdigest()[:16]
    log_info(log, "request", fields)
