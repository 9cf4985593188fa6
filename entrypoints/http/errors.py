"""Every error becomes RFC 9457 problem+json here, and only here; the types are in problem_types.py."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from application.errors import AuthenticationFailed, SchemaOutdated, StorageUnavailable
from domain.changes import CursorExpired
from domain.errors import InvalidTask, QuotaExceeded, TaskNotFound, VersionMismatch
from domain.idempotency import IdempotencyConflict
from entrypoints.http.problem_pages import serve_problem_pages
from entrypoints.http.problem_types import (
    CURSOR_EXPIRED,
    HEADERS_TOO_LARGE,
    IDEMPOTENCY_CONFLICT,
    INTERNAL_ERROR,
    METHOD_NOT_ALLOWED,
    NO_SUCH_PATH,
    NOT_FOUND,
    PAYLOAD_TOO_LARGE,
    PRECONDITION_FAILED,
    QUOTA_EXCEEDED,
    REQUEST_IN_PROGRESS,
    SERVICE_UNAVAILABLE,
    UNAUTHORIZED,
    VALIDATION,
    ProblemType,
)
from entrypoints.http.responses import ProblemResponse

log = logging.getLogger("todo_api")

RETRY_AFTER_SECONDS = "2"
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
# Other APIs' spellings, and what to send here instead (offered only where the route takes it).
QUERY_PARAMETER_HINTS: dict[str, tuple[str, str]] = {
    "search": ("q", "q (a case-insensitive substring of title or description)"),
    "query": ("q", "q (a case-insensitive substring of title or description)"),
    "skip": ("offset", "offset (how many matches to skip)"),
    "page": ("offset", "limit and offset (offset = (page - 1) * limit)"),
    "per_page": ("limit", "limit (how many to return)"),
    "page_size": ("limit", "limit (how many to return)"),
    "completed": ("status", "status=completed or status=pending"),
    "sort_by": ("sort", "sort, e.g. sort=-created_at (a leading - sorts descending)"),
    "order_by": ("sort", "sort, e.g. sort=-created_at (a leading - sorts descending)"),
    "order": ("sort", "sort, e.g. sort=-created_at (a leading - sorts descending)"),
    "sort_direction": ("sort", "sort, e.g. sort=-created_at (a leading - sorts descending)"),
}
_CAMEL_HUMP = re.compile(r"(?<=[a-z])(?=[A-Z])")

BODY_TOO_LARGE = "The request body is larger than 64 KiB."
SCHEMA_OUTDATED = "The database schema is behind this version of the API: run `todo-api migrate`."
NOT_JSON = "The body must be JSON sent with the header Content-Type: application/json."


class BodyTooLarge(HTTPException):
    """An HTTPException, so that FastAPI's body reader passes it through untouched."""

    def __init__(self) -> None:
        super().__init__(413, BODY_TOO_LARGE)


class PreconditionMalformed(Exception):
    """An If-Match header that names no version we could ever have."""


class UnknownQueryParameters(Exception):
    """Query parameters the route does not take: refused, since an ignored filter shows wrong data."""

    def __init__(self, unknown: Iterable[str], accepted: Iterable[str]) -> None:
        self.unknown = list(unknown)
        self.accepted = sorted(accepted)
        super().__init__(", ".join(self.unknown))


class RequestInProgress(Exception):
    """A request with the same Idempotency-Key took it, and its outcome is not readable yet."""


def problem(
    kind: ProblemType,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    status: int | None = None,
) -> ProblemResponse:
    """`status` only for statuses no type describes; everything we mean to send has its type."""
    status = status or kind.status
    body: dict[str, Any] = {"type": kind.uri, "title": kind.title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return ProblemResponse(body, status_code=status, headers=headers)


def unauthorized(reason: str, *, token_presented: bool) -> ProblemResponse:
    challenge = 'Bearer error="invalid_token"' if token_presented else "Bearer"
    detail = f"The bearer token was rejected: {reason}." if token_presented else reason
    return problem(UNAUTHORIZED, detail, headers={"WWW-Authenticate": challenge})


def internal_error() -> ProblemResponse:
    return problem(INTERNAL_ERROR, "Something went wrong on our side; it has been logged.")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AuthenticationFailed)
    async def _unauthorized(_: Request, error: AuthenticationFailed) -> ProblemResponse:
        return unauthorized(error.reason, token_presented=error.token_presented)

    @app.exception_handler(TaskNotFound)
    async def _not_found(_: Request, __: TaskNotFound) -> ProblemResponse:
        # The same words whether the task never existed or belongs to someone else.
        return problem(NOT_FOUND, "No such task.")

    @app.exception_handler(VersionMismatch)
    async def _stale(_: Request, error: VersionMismatch) -> ProblemResponse:
        return problem(
            PRECONDITION_FAILED, "The task has changed since that version; fetch it again and retry."
        )

    @app.exception_handler(CursorExpired)
    async def _cursor_expired(_: Request, __: CursorExpired) -> ProblemResponse:
        return problem(
            CURSOR_EXPIRED,
            "The cursor is too old or not one of yours; sync again from the start, without since.",
        )

    @app.exception_handler(IdempotencyConflict)
    async def _key_reused(_: Request, __: IdempotencyConflict) -> ProblemResponse:
        return problem(
            IDEMPOTENCY_CONFLICT,
            "This Idempotency-Key was already used for another method, path or body; use a new key.",
            errors=[{"loc": ["header", "Idempotency-Key"], "msg": "already used for another request"}],
        )

    @app.exception_handler(RequestInProgress)
    async def _in_progress(_: Request, __: RequestInProgress) -> ProblemResponse:
        return problem(
            REQUEST_IN_PROGRESS,
            "A request with this Idempotency-Key is still being processed; retry shortly.",
        )

    @app.exception_handler(PreconditionMalformed)
    async def _bad_precondition(_: Request, __: PreconditionMalformed) -> ProblemResponse:
        return problem(PRECONDITION_FAILED, 'If-Match must be "*" or one ETag of this task, like W/"3".')

    @app.exception_handler(QuotaExceeded)
    async def _quota(_: Request, error: QuotaExceeded) -> ProblemResponse:
        return problem(
            QUOTA_EXCEEDED,
            f"You already have {error.limit} tasks, the most one user may hold; delete some first.",
        )

    @app.exception_handler(InvalidTask)
    async def _invalid(_: Request, error: InvalidTask) -> ProblemResponse:
        if error.field == "body":
            loc = ["body"]
        else:
            loc = ["query" if error.field in {"q", "limit", "offset"} else "body", error.field]
        return problem(
            VALIDATION,
            f"The request is invalid: {error.field} {error.message}.",
            errors=[{"loc": loc, "msg": error.message}],
        )

    @app.exception_handler(UnknownQueryParameters)
    async def _unknown_query(_: Request, error: UnknownQueryParameters) -> ProblemResponse:
        return unknown_query_parameters(error)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> ProblemResponse:
        errors = [{"loc": list(item["loc"]), "msg": item["msg"]} for item in error.errors()]
        if any(item["loc"][:1] == ["body"] for item in errors) and not _sent_as_json(request):
            # FastAPI reads a body as JSON only when it says so; the errors it then gives are cryptic.
            header_error = {"loc": ["header", "Content-Type"], "msg": "must be application/json"}
            return problem(VALIDATION, NOT_JSON, errors=[header_error, *errors])
        return problem(VALIDATION, "The request is invalid; see errors for each field.", errors=errors)

    @app.exception_handler(StorageUnavailable)
    @app.exception_handler(SchemaOutdated)
    async def _unavailable(_: Request, error: StorageUnavailable | SchemaOutdated) -> ProblemResponse:
        return database_problem(error)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> ProblemResponse:
        if error.status_code == 400:
            # FastAPI's only 400 here: a JSON body that is not even UTF-8. The contract says 422.
            return problem(
                VALIDATION,
                "The request body is not valid UTF-8 JSON.",
                errors=[{"loc": ["body"], "msg": "not valid UTF-8 JSON"}],
            )
        headers = dict(error.headers or {})
        if error.status_code == 404:
            return problem(NO_SUCH_PATH, "There is nothing at this path.", headers=headers)
        if error.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
            return problem(METHOD_NOT_ALLOWED, "This method is not allowed on this path.", headers=headers)
        if error.status_code == 413:
            return payload_too_large()
        phrase = HTTPStatus(error.status_code).phrase
        detail = error.detail if isinstance(error.detail, str) else phrase
        generic = ProblemType("", error.status_code, phrase, "", "")
        return problem(generic, detail, headers=headers)

    serve_problem_pages(app)


def unknown_query_parameters(error: UnknownQueryParameters) -> ProblemResponse:
    sentences, errors = [], []
    for name in error.unknown:
        target, advice = _hint(name)
        if target in error.accepted:
            sentences.append(f"Unknown query parameter {name!r}: use {advice}.")
            errors.append({"loc": ["query", name], "msg": f"unknown query parameter; use {target}"})
        else:
            sentences.append(f"Unknown query parameter {name!r}.")
            errors.append({"loc": ["query", name], "msg": "unknown query parameter"})
    takes = ", ".join(error.accepted) if error.accepted else "no query parameters"
    sentences.append(f"This route takes {takes}.")
    return problem(VALIDATION, " ".join(sentences), errors=errors)


def _hint(name: str) -> tuple[str, str]:
    """`sortBy` and `per-page` are hinted like `sort_by` and `per_page`; `tag[]` (qs, axios) as `tag`."""
    if name.endswith("[]"):
        base = name[:-2]
        return base, f"{base}, repeated without brackets ({base}=a&{base}=b)"
    snake = _CAMEL_HUMP.sub("_", name).replace("-", "_").lower()
    return QUERY_PARAMETER_HINTS.get(snake, ("", ""))


def _sent_as_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _allowed_methods(request: Request) -> str:
    """Every method some route serves on this path: Starlette's 405 names only the first route's."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    )


def headers_too_large() -> ProblemResponse:
    return problem(HEADERS_TOO_LARGE, "The request headers are larger than 16 KiB in all.")


def payload_too_large() -> ProblemResponse:
    return problem(PAYLOAD_TOO_LARGE, BODY_TOO_LARGE)


DATABASE_DOWN = "The database is not answering; please retry shortly."


def service_unavailable(detail: str = DATABASE_DOWN) -> ProblemResponse:
    return problem(SERVICE_UNAVAILABLE, detail, headers={"Retry-After": RETRY_AFTER_SECONDS})


def database_problem(error: StorageUnavailable | SchemaOutdated) -> ProblemResponse:
    """The 503 for a database that is not there, or not migrated; logged with its reason."""
    if isinstance(error, SchemaOutdated):
        log.warning("%s%s", SCHEMA_OUTDATED, f" ({error})" if str(error) else "")
        return schema_outdated()
    log.warning("database unavailable: %s", error)
    return service_unavailable()


def schema_outdated() -> ProblemResponse:
    return service_unavailable(SCHEMA_OUTDATED)
