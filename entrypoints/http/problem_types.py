"""Every problem `type` the API answers with: one table, which the README and /problems/{name} repeat.

Types are relative references (RFC 9457 §3.1.1), resolved against the API's own address, so that
`GET /problems/not-found` on the same server says what the type means.
"""

from __future__ import annotations

from dataclasses import dataclass

PROBLEM_BASE = "/problems/"


@dataclass(frozen=True, slots=True)
class ProblemType:
    name: str
    status: int
    title: str
    when: str
    remedy: str

    @property
    def uri(self) -> str:
        # Nameless: RFC 9457's about:blank, a status no type of ours describes (none is sent on purpose).
        return PROBLEM_BASE + self.name if self.name else "about:blank"


VALIDATION = ProblemType(
    "validation",
    422,
    "Invalid request",
    "A body, path or query parameter breaks a rule: malformed JSON, a wrong type, an unknown query "
    "parameter, a body sent without Content-Type: application/json.",
    "Fix what `errors` names (each entry has `loc` and `msg`) and send again.",
)
UNAUTHORIZED = ProblemType(
    "unauthorized",
    401,
    "Authentication required",
    "No bearer token, another scheme, or a token that is malformed, forged, expired or not for us.",
    "Sign in again (or refresh the token) and retry; `WWW-Authenticate` says whether a token was read.",
)
NOT_FOUND = ProblemType(
    "not-found",
    404,
    "No such task",
    "The task does not exist, was deleted, belongs to someone else, or the path's user id is not "
    "the caller's. The body is the same in every case.",
    "Drop the task from your view and reload the list.",
)
NO_SUCH_PATH = ProblemType(
    "no-such-path",
    404,
    "No such path",
    "Nothing is served at this path, whoever asks.",
    "Check the URL against /docs.",
)
METHOD_NOT_ALLOWED = ProblemType(
    "method-not-allowed",
    405,
    "Method not allowed",
    "The path exists but not with this method.",
    "Use one of the methods the `Allow` header lists.",
)
REQUEST_IN_PROGRESS = ProblemType(
    "request-in-progress",
    409,
    "Request in progress",
    "Another request with the same Idempotency-Key is still being processed.",
    "Wait a moment and retry with the same key; you will get its outcome.",
)
QUOTA_EXCEEDED = ProblemType(
    "quota-exceeded",
    409,
    "Task limit reached",
    "Creating this task (or the next occurrence of a recurring one) would pass the per-user limit.",
    "Delete some tasks, for example with POST /api/tasks/clear-completed, then retry.",
)
CURSOR_EXPIRED = ProblemType(
    "cursor-expired",
    410,
    "Sync cursor expired",
    "The `since` cursor is older than the deletions the server remembers, or not one of ours.",
    "Start over: GET /api/tasks/changes without `since`, and replace your local copy.",
)
PRECONDITION_FAILED = ProblemType(
    "precondition-failed",
    412,
    "Precondition failed",
    "The task changed since the ETag sent in If-Match, or If-Match is not an ETag.",
    "GET the task again, re-apply your change to what you get, and send it with the new ETag.",
)
PAYLOAD_TOO_LARGE = ProblemType(
    "payload-too-large",
    413,
    "Request body too large",
    "The body is over 64 KiB.",
    "Send a smaller body; no task field needs that much.",
)
IDEMPOTENCY_CONFLICT = ProblemType(
    "idempotency-conflict",
    422,
    "Idempotency key reused",
    "The Idempotency-Key was already used with another method, path or body.",
    "Use a fresh key for a different request; reuse a key only to retry the very same request.",
)
HEADERS_TOO_LARGE = ProblemType(
    "headers-too-large",
    431,
    "Request headers too large",
    "The request headers are over 16 KiB in all.",
    "Send fewer or shorter headers (large cookies are the usual cause).",
)
INTERNAL_ERROR = ProblemType(
    "internal-error",
    500,
    "Internal error",
    "A bug on our side; it was logged with the response's X-Request-ID.",
    "Retry later; report the X-Request-ID if it persists.",
)
SERVICE_UNAVAILABLE = ProblemType(
    "service-unavailable",
    503,
    "Service unavailable",
    "The database is not answering, or its schema is behind the code.",
    "Retry after the seconds in `Retry-After`; nothing was changed.",
)

PROBLEM_TYPES: dict[str, ProblemType] = {
    kind.name: kind
    for kind in (
        VALIDATION,
        UNAUTHORIZED,
        NOT_FOUND,
        NO_SUCH_PATH,
        METHOD_NOT_ALLOWED,
        REQUEST_IN_PROGRESS,
        QUOTA_EXCEEDED,
        CURSOR_EXPIRED,
        PRECONDITION_FAILED,
        PAYLOAD_TOO_LARGE,
        IDEMPOTENCY_CONFLICT,
        HEADERS_TOO_LARGE,
        INTERNAL_ERROR,
        SERVICE_UNAVAILABLE,
    )
}
