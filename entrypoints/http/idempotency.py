"""Idempotency-Key on the write routes: replay a recorded outcome, or record this one with the write.

The route hands over how to run its use case and how to render the result; the rendered
response's status, body and Location/ETag/Link are what the store records inside the write's
transaction (domain.idempotency.Outcome), and a retry is answered from those bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated, Final, TypeVar

from fastapi import Header, Request
from pydantic.json_schema import SkipJsonSchema
from starlette.responses import Response

from application.use_cases import ReplayOutcome
from domain.errors import DomainError
from domain.idempotency import KEY_PATTERN, IdempotentRequest, KeyInUse, Outcome
from entrypoints.http.errors import RequestInProgress

R = TypeVar("R")

IdempotencyKey = Annotated[
    str | SkipJsonSchema[None],
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        # The union with None keeps the pattern out of the generated schema; it belongs there.
        json_schema_extra={"pattern": KEY_PATTERN},
        description="Makes a retry safe: the same key, method, path and body within 24 hours is "
        "answered with the first outcome (and Idempotency-Replayed: true) and changes nothing.",
    ),
]
REPLAYED_HEADER: Final = "Idempotency-Replayed"
# What a replay repeats besides the body; the rest (X-Request-ID, Cache-Control) is the retry's own.
_KEPT_HEADERS: Final = ("content-type", "location", "etag", "link")


class IdempotencyGate:
    def __init__(self, replay: ReplayOutcome) -> None:
        self._replay = replay

    async def answer(
        self,
        request: Request,
        owner_id: str,
        key: str | None,
        run: Callable[[IdempotentRequest[R] | None], Awaitable[R]],
        respond: Callable[[R], Response],
    ) -> Response:
        """`run` the use case (with an IdempotentRequest when a key was sent) and `respond` with it."""
        if key is None:
            return respond(await run(None))
        fingerprint = await _fingerprint(request)
        rendered: list[Response] = []

        def render(result: R) -> Outcome:
            response = respond(result)
            rendered.append(response)
            return _outcome(response)

        # No lookup first: the write's own transaction is what decides whether the key is free, and
        # a first request (the usual case) then costs one statement more, not a round trip more.
        try:
            await run(IdempotentRequest(key=key, fingerprint=fingerprint, render=render))
        except DomainError as error:
            # A retry: its write was refused (KeyInUse) or failed where the first one had succeeded
            # (a DELETE finds nothing left to delete); either way the first outcome is the answer.
            replayed = await self._replayed(owner_id, key, fingerprint)
            if replayed is not None:
                return replayed
            if isinstance(error, KeyInUse):
                raise RequestInProgress() from None
            raise
        return rendered[-1]

    async def _replayed(self, owner_id: str, key: str, fingerprint: str) -> Response | None:
        outcome = await self._replay(owner_id, key, fingerprint)
        if outcome is None:
            return None
        response = Response(content=outcome.body, status_code=outcome.status)
        response.headers.update(dict(outcome.headers))
        response.headers[REPLAYED_HEADER] = "true"
        return response


async def _fingerprint(request: Request) -> str:
    """What makes two requests the same one: method, path (in the form sent) and body bytes."""
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.scope.get("raw_path") or request.url.path.encode()):
        digest.update(len(part).to_bytes(4, "big") + part)
    digest.update(await request.body())
    return digest.hexdigest()


def _outcome(response: Response) -> Outcome:
    headers = tuple((name, response.headers[name]) for name in _KEPT_HEADERS if name in response.headers)
    return Outcome(response.status_code, headers, bytes(response.body))
