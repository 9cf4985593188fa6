"""Every error becomes RFC 9457 problem+json here, and only here."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from application.errors import AuthenticationFailed, StorageUnavailable
from domain.changes import CursorExpired
from domain.errors import InvalidTask, TaskNotFound, VersionMismatch
from domain.idempotency import IdempotencyConflict
from entrypoints.http.responses import ProblemResponse

log = logging.getLogger("todo_api")

RETRY_AFTER_SECONDS = "2"
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


BODY_TOO_LARGE = "The request body is larger than 64 KiB."


class BodyTooLarge(HTTPException):
    """An HTTPException, so that FastAPI's body reader passes it through untouched."""

    def __init__(self) -> None:
        super().__init__(413, BODY_TOO_LARGE)


class PreconditionMalformed(Exception):
    """An If-Match header that names no version we could ever have."""


class RequestInProgress(Exception):
    """A request with the same Idempotency-Key took it, and its outcome is not readable yet."""


def problem(
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return ProblemResponse(body, status_code=status, headers=headers)


def unauthorized(reason: str, *, token_presented: bool) -> ProblemResponse:
    challenge = 'Bearer error="invalid_token"' if token_presented else "Bearer"
    detail = f"The bearer token was rejected: {reason}." if token_presented else reason
    return problem(401, detail, headers={"WWW-Authenticate": challenge})


def internal_error() -> ProblemResponse:
    return problem(500, "Something went wrong on our side; it has been logged.")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AuthenticationFailed)
    async def _unauthorized(_: Request, error: AuthenticationFailed) -> ProblemResponse:
        return unauthorized(error.reason, token_presented=error.token_presented)

    @app.exception_handler(TaskNotFound)
    async def _not_found(_: Request, __: TaskNotFound) -> ProblemResponse:
        # The same words whether the task never existed or belongs to someone else.
        return problem(404, "No such task.")

    @app.exception_handler(VersionMismatch)
    async def _stale(_: Request, error: VersionMismatch) -> ProblemResponse:
        return problem(412, "The task has changed since that version; fetch it again and retry.")

    @app.exception_handler(CursorExpired)
    async def _cursor_expired(_: Request, __: CursorExpired) -> ProblemResponse:
        return problem(
            410, "The cursor is too old or not one of yours; sync again from the start, without since."
        )

    @app.exception_handler(IdempotencyConflict)
    async def _key_reused(_: Request, __: IdempotencyConflict) -> ProblemResponse:
        return problem(
            422,
            "This Idempotency-Key was already used for another method, path or body; use a new key.",
            errors=[{"loc": ["header", "Idempotency-Key"], "msg": "already used for another request"}],
        )

    @app.exception_handler(RequestInProgress)
    async def _in_progress(_: Request, __: RequestInProgress) -> ProblemResponse:
        return problem(409, "A request with this Idempotency-Key is still being processed; retry shortly.")

    @app.exception_handler(PreconditionMalformed)
    async def _bad_precondition(_: Request, __: PreconditionMalformed) -> ProblemResponse:
        return problem(412, 'If-Match must be "*" or one ETag of this task, like W/"3".')

    @app.exception_handler(InvalidTask)
    async def _invalid(_: Request, error: InvalidTask) -> ProblemResponse:
        if error.field == "body":
            loc = ["body"]
        else:
            loc = ["query" if error.field in {"q", "limit", "offset"} else "body", error.field]
        return problem(
            422,
            f"The request is invalid: {error.field} {error.message}.",
            errors=[{"loc": loc, "msg": error.message}],
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> ProblemResponse:
        errors = [{"loc": list(item["loc"]), "msg": item["msg"]} for item in error.errors()]
        return problem(422, "The request is invalid; see errors for each field.", errors=errors)

    @app.exception_handler(StorageUnavailable)
    async def _unavailable(_: Request, error: StorageUnavailable) -> ProblemResponse:
        log.warning("database unavailable: %s", error)
        return service_unavailable()

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> ProblemResponse:
        if error.status_code == 400:
            # FastAPI's only 400 here: a JSON body that is not even UTF-8. The contract says 422.
            return problem(
                422,
                "The request body is not valid UTF-8 JSON.",
                errors=[{"loc": ["body"], "msg": "not valid UTF-8 JSON"}],
            )
        detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
        headers = dict(error.headers or {})
        if error.status_code == 404:
            detail = "There is nothing at this path."
        elif error.status_code == 405:
            detail = "This method is not allowed on this path."
            headers["Allow"] = _allowed_methods(request)
        return problem(error.status_code, detail, headers=headers)


def _allowed_methods(request: Request) -> str:
    """Every method some route serves on this path: Starlette's 405 names only the first route's."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    )


def headers_too_large() -> ProblemResponse:
    return problem(431, "The request headers are larger than 16 KiB in all.")


def payload_too_large() -> ProblemResponse:
    return problem(413, BODY_TOO_LARGE)


def service_unavailable() -> ProblemResponse:
    return problem(
        503,
        "The database is not answering; please retry shortly.",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )
