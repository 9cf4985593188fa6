"""The requests that public Next.js + Better Auth frontends send, for the in-process and real-server tiers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True, eq=False)  # compared by identity, so that calls can key a dict
class Call:
    """One request a frontend makes; `path` follows the tasks prefix (`/api` or `/api/{user_id}`)."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    status: int = 200

    def url(self, prefix: str, task_id: int | str = "", *, slash: bool = False) -> str:
        return prefix + self.path.format(id=task_id) + ("/" if slash else "")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


LIST = Call("GET", "/tasks")
CREATE = Call("POST", "/tasks", {"title": "from a frontend"}, 201)
GET_ONE = Call("GET", "/tasks/{id}")
PUT = Call("PUT", "/tasks/{id}", {"title": "put", "description": "d", "completed": True})
PARTIAL_PUT = Call("PUT", "/tasks/{id}", {"completed": True})
PATCH = Call("PATCH", "/tasks/{id}", {"title": "patched"})
COMPLETE_SET = Call("PATCH", "/tasks/{id}/complete", {"completed": True})
COMPLETE_TOGGLE = Call("PATCH", "/tasks/{id}/complete")
DELETE = Call("DELETE", "/tasks/{id}", status=204)
ONE_TASK_CALLS = [GET_ONE, PUT, PARTIAL_PUT, PATCH, COMPLETE_SET, COMPLETE_TOGGLE, DELETE]
EVERY_CALL = [LIST, CREATE, *ONE_TASK_CALLS]

# Other APIs' spellings on GET /api/tasks, and what of ours the 422 must tell the client to use.
QUERY_HINTS = {
    "search": "q",
    "skip": "offset",
    "sort_by": "sort",
    "order": "sort",
    "sort_direction": "sort",
    "completed": "status",
    "page": "limit and offset",
    "per_page": "limit",
    "sortBy": "sort",
    "pageSize": "limit",
    "tag[]": "tag",
}
# Every parameter the contract gives GET /api/tasks, with a value it accepts.
LIST_PARAMETERS = {
    "status": "pending",
    "sort": "title",
    "q": "milk",
    "limit": "5",
    "offset": "0",
    "priority": "high",
    "tag": "work",
    "due_before": "2030-01-01",
    "due_after": "2020-01-01",
    "has_due": "false",
}


def problem_type(name: str) -> str:
    return f"/problems/{name}"


def tasks_prefix(user_id: str) -> str:
    """The hackathon path form, `/api/{user_id}`, with the id percent-encoded as a frontend would."""
    return "/api/" + quote(user_id, safe="")
