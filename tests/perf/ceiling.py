"""The ceiling: the least an HS256-protected list endpoint can do on the same uvicorn stack.

A bare Starlette app that checks the bearer token with PyJWT (same algorithm, same required
claims) and returns a constant list of 20 tasks rendered by orjson. No database, no
validation, no middleware. Served on uvicorn's default (auto) event loop and HTTP implementation,
one worker, no access log: the ceiling the targets are measured against. `--one-write` serves it
on `todo-api serve`'s own protocol instead (entrypoints.http.protocol: each response in one write),
which shows how much of the API's gain over stock uvicorn a do-nothing handler gets too.

    BETTER_AUTH_SECRET=... python -m tests.perf.ceiling --port 8001 [--one-write]
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import jwt
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from entrypoints.http.protocol import PROTOCOL

LEEWAY_SECONDS = 30
_UNAUTHORIZED = orjson.dumps(
    {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "A bearer token is required."}
)


def constant_tasks(count: int = 20) -> list[dict[str, Any]]:
    return [
        {
            "id": 1000 + n,
            "title": f"Task number {n}",
            "description": None if n % 2 else "Something to remember",
            "completed": n % 3 == 0,
            "created_at": "2026-01-01T10:00:00Z",
            "updated_at": "2026-01-01T10:00:00Z",
        }
        for n in range(count)
    ]


def create_app(secret: str) -> Starlette:
    key = secret.encode()
    tasks = constant_tasks()

    def unauthorized() -> Response:
        return Response(
            _UNAUTHORIZED,
            status_code=401,
            media_type="application/problem+json",
            headers={"WWW-Authenticate": "Bearer"},
        )

    async def list_tasks(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return unauthorized()
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["HS256"],
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "sub"]},
            )
        except jwt.PyJWTError:
            return unauthorized()
        if not isinstance(claims.get("sub"), str):
            return unauthorized()
        return Response(orjson.dumps(tasks), media_type="application/json", headers={"X-Total-Count": "20"})

    async def healthz(_: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return Starlette(routes=[Route("/api/tasks", list_tasks), Route("/healthz", healthz)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--one-write", action="store_true", help="serve on todo-api serve's protocol")
    args = parser.parse_args()
    secret = os.environ.get("BETTER_AUTH_SECRET", "")
    if len(secret) < 32:
        raise SystemExit("BETTER_AUTH_SECRET must be set (at least 32 characters)")
    uvicorn.run(
        create_app(secret),
        host="127.0.0.1",
        port=args.port,
        workers=1,
        log_level="warning",
        access_log=False,
        server_header=False,
        http=PROTOCOL if args.one_write else "auto",
    )


if __name__ == "__main__":
    main()
