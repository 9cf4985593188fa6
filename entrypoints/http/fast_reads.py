"""GET /api/tasks and GET /api/tasks/{id} ahead of FastAPI's router, for the requests they read most.

Plain ASGI: the bearer check and the verifier the routes use, the same use-case commands, and
the store's rendering of the answer (TaskPageRenderer) forwarded as it comes. What the parser
here does not take for certain (an unknown, repeated or odd parameter, a value the domain
refuses, a hackathon path, a token the verifier refuses, a missing task, a store error) falls
through to the FastAPI route, which answers it as it always has: problem bodies come from one
place. The FastAPI routes stay, for those answers and for the OpenAPI document.
"""

from __future__ import annotations

import re
from typing import Any, Final, get_args
from urllib.parse import parse_qsl

from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from application.errors import SchemaOutdated, StorageUnavailable
from application.ports import TokenVerifier
from application.use_cases import GetRenderedTask, GetTaskCommand, ListRenderedTasks, ListTasksCommand
from domain.query import LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX
from entrypoints.http.auth import bearer_token
from entrypoints.http.errors import database_problem
from entrypoints.http.list_query import list_query
from entrypoints.http.routes.common import MAX_TASK_ID
from entrypoints.http.routes.tasks import SortParam, StatusParam

LIST_PATH: Final = "/api/tasks"
_ITEM_PREFIX: Final = "/api/tasks/"
_TASK_ID = re.compile(r"[1-9][0-9]{0,18}")
_COUNT = re.compile(r"0|[1-9][0-9]{0,17}")  # as FastAPI reads it; longer or odder forms fall through
_STATUSES: Final = frozenset(get_args(StatusParam))
_SORTS: Final = frozenset(get_args(SortParam))
_SCALARS: Final = frozenset(
    {"status", "sort", "q", "priority", "due_before", "due_after", "has_due", "limit", "offset"}
)
_JSON: Final = (b"content-type", b"application/json")
_Answer = tuple[APIRoute, bytes, tuple[bytes, bytes]]


class FastReads:
    def __init__(
        self,
        app: ASGIApp,
        *,
        verifier: TokenVerifier,
        list_tasks: ListRenderedTasks,
        get_task: GetRenderedTask,
        routes: dict[str, APIRoute],
    ) -> None:
        self.app = app
        self._verifier = verifier
        self._list = list_tasks
        self._get = get_task
        self._list_route = routes["list_tasks"]
        self._get_route = routes["get_task"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = None
        if scope["type"] == "http" and scope["method"] == "GET" and not _mapped(scope):
            path: str = scope["path"]
            try:
                if path == LIST_PATH:
                    answer = await self._list_answer(scope)
                elif path.startswith(_ITEM_PREFIX) and not scope["query_string"]:
                    answer = await self._item_answer(scope, path[len(_ITEM_PREFIX) :])
            except (StorageUnavailable, SchemaOutdated) as error:
                # Answered here: asking the database again through the route would double the wait.
                scope["route"] = self._list_route if path == LIST_PATH else self._get_route
                await database_problem(error)(scope, receive, send)
                return
            except Exception:  # the FastAPI route gives the error its answer
                answer = None
        if answer is None:
            await self.app(scope, receive, send)
            return
        route, body, header = answer
        scope["route"] = route
        scope["state"]["fast_read"] = True  # for the access log
        # The headers in the order the routes' JsonResponse sends them.
        headers = [header, (b"content-length", str(len(body)).encode()), _JSON]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _owner(self, scope: Scope) -> str:
        header = None
        for key, value in scope["headers"]:
            if key == b"authorization":
                header = value.decode("latin-1")
                break
        principal = await self._verifier.verify(bearer_token(header))
        scope.setdefault("state", {})["principal"] = principal
        return principal.user_id

    async def _list_answer(self, scope: Scope) -> _Answer | None:
        arguments = _list_arguments(scope["query_string"])
        if arguments is None:
            return None
        query = list_query(**arguments)
        page = await self._list(ListTasksCommand(await self._owner(scope), query))
        return self._list_route, page.body, (b"x-total-count", str(page.total).encode())

    async def _item_answer(self, scope: Scope, written_id: str) -> _Answer | None:
        if not _TASK_ID.fullmatch(written_id) or int(written_id) > MAX_TASK_ID:
            return None
        task = await self._get(GetTaskCommand(await self._owner(scope), int(written_id)))
        return self._get_route, task.body, (b"etag", b'W/"%d"' % task.version)


def _mapped(scope: Scope) -> bool:
    """A path in the hackathon form, or under someone else's mount: the route classes check those."""
    return bool(scope.get("root_path")) or "path_user_id" in scope.get("state", ())


def _list_arguments(query_string: bytes) -> dict[str, Any] | None:
    """The list route's parameters as FastAPI would hand them over, or None when in any doubt."""
    arguments: dict[str, Any] = {
        "status": "all",
        "sort": "-created_at",
        "q": None,
        "priority": None,
        "tag": None,
        "due_before": None,
        "due_after": None,
        "has_due": None,
        "limit": LIST_LIMIT_DEFAULT,
        "offset": 0,
    }
    seen: set[str] = set()
    tags: list[str] = []
    # Starlette's own reading of the query string.
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name == "tag":
            tags.append(value)
            continue
        if name not in _SCALARS or name in seen:
            return None
        seen.add(name)
        if name in ("limit", "offset"):
            if not _COUNT.fullmatch(value):
                return None
            number = int(value)
            if name == "limit" and not 1 <= number <= LIST_LIMIT_MAX:
                return None
            arguments[name] = number
        elif (name == "status" and value not in _STATUSES) or (name == "sort" and value not in _SORTS):
            return None
        else:
            arguments[name] = value
    if tags:
        arguments["tag"] = tags
    return arguments
