"""The fast read path answers byte for byte as the FastAPI routes do, on every store.

Two servers on one database, one with FAST_READS=false; each request goes to both with the same
X-Request-ID, and the status, the body and every header but Date must be identical. The fast
server logs at info, so the test also sees that the fast path, not a fall-through, answered.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.api_server import ApiServer, api_server

# Every list shape the issue names, and a few the fast path must hand on (last group).
LIST_SHAPES = [
    "",
    "limit=20",
    *(f"status={status}" for status in ("all", "pending", "completed", "overdue")),
    *(
        f"sort={way}{field}"
        for field in ("created_at", "updated_at", "title", "due", "priority")
        for way in ("", "-")
    ),
    "q=ab",
    "q=quarterly",
    "q=Zoë",
    "q=nothing-matches-this",
    "q=",
    "priority=high",
    "priority=HIGH,%20low",
    "tag=work",
    "tag=WORK&tag=home",
    "tag=work&sort=due&status=pending",
    "due_before=2026-06-01",
    "due_after=2026-06-01T00:00:00Z",
    "due_after=2026-03-01T00:00:00%2B01:00&due_before=2027-01-01",
    "has_due=true",
    "has_due=false&sort=title",
    "limit=1&offset=2",
    "limit=3&offset=1&sort=-priority",
    "limit=500",
    "offset=1000",
    "offset=100000000000000000",
    "q=report&tag=home&priority=urgent,high,medium,low,none&has_due=true&sort=-due&limit=5",
]
# Forms FastAPI reads its own way (leading zeros, a sign, the last of a repeated parameter):
# the fast path hands them on, and the answer is a page.
FALLING_THROUGH_TO_A_PAGE = ["limit=020", "offset=007", "limit=%2B5", "limit=5&limit=6"]
FALLING_THROUGH = [
    "unknown=1",
    "limit=0",
    "limit=501",
    "limit=ten",
    "offset=-1",
    "status=done",
    "sort=size",
    "priority=bogus",
    "priority=",
    "tag=",
    "tag=a,b",
    "has_due=yes",
    "due_before=tomorrow",
    "q=%00",
]
IGNORED_HEADERS = {"date"}

TASKS = [
    {"title": "Plain v1 task"},
    {"title": "Write the quarterly report", "description": "Numbers\nand \"quotes\" \\ tabs\t",
     "priority": "high", "tags": ["work", "Reading"], "due": {"date": "2026-05-04"}},
    {"title": "Zoë's birthday 🎂", "description": "</script>\u0001\u001f\u2028", "priority": "urgent",
     "tags": ["home"], "due": {"date": "2026-07-09", "time": "18:30", "time_zone": "Europe/Berlin"}},
    {"title": "ab ab", "priority": "low", "tags": ["work", "home", "q4"],
     "due": {"date": "2026-03-29", "time": "02:30", "time_zone": "Europe/Berlin"}},
    {"title": "Weekly review", "priority": "medium", "recurrence": "FREQ=WEEKLY;BYDAY=FR",
     "due": {"date": "2026-01-02", "time": "09:00", "time_zone": "America/New_York"},
     "remind_at": "2026-01-02T13:45:00.123456Z"},
    {"title": "Long overdue", "tags": ["errands"], "due": {"date": "2020-02-29"},
     "repeat_from": "completion"},
    {"title": "Last day", "due": {"date": "9999-12-31"}},
    {"title": "report home", "description": "", "priority": "low", "tags": ["home"],
     "due_date": "2026-12-07T08:30:00Z"},
]  # fmt: skip


@pytest.fixture(scope="module", params=["postgres", "sqlite", "pgbouncer"])
def servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ApiServer, ApiServer]]:
    """A fast-path server and a FastAPI-only server on the same database."""
    database_url = request.getfixturevalue(f"{request.param}_url")
    fast_dir, slow_dir = (tmp_path_factory.mktemp(f"{way}-reads-{request.param}") for way in ("fast", "slow"))
    with (
        api_server(database_url, fast_dir, LOG_LEVEL="info") as fast,
        api_server(database_url, slow_dir, FAST_READS="false") as slow,
    ):
        yield fast, slow


@pytest.fixture(scope="module")
def seeded(servers: tuple[ApiServer, ApiServer]) -> tuple[str, list[int]]:
    """One user's tasks covering every field's forms, a completed one and a created occurrence."""
    fast, _ = servers
    user_id = f"fast-reads-{uuid.uuid4()}"
    with fast.client(user_id) as client:
        ids = []
        for body in TASKS:
            response = client.post("/api/tasks", json=body)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
        done = client.patch(f"/api/tasks/{ids[4]}/complete")  # the recurring one: a next occurrence
        assert done.status_code == 200, done.text
        assert client.patch(f"/api/tasks/{ids[7]}", json={"completed": True}).status_code == 200
        listed = client.get("/api/tasks", params={"limit": 500}).json()
    return user_id, [task["id"] for task in listed]


def _both(
    servers: tuple[ApiServer, ApiServer], target: str, headers: dict[str, str], method: str = "GET"
) -> tuple[httpx.Response, httpx.Response]:
    fast, slow = servers
    request_headers = {"X-Request-ID": f"same-{uuid.uuid4().hex}", **headers}
    answers = []
    for server in (fast, slow):
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            answers.append(client.request(method, target, headers=request_headers))
    return answers[0], answers[1]


def _assert_identical(fast: httpx.Response, slow: httpx.Response) -> None:
    assert fast.status_code == slow.status_code, (fast.text, slow.text)
    assert fast.content == slow.content
    assert [
        (name, value) for name, value in fast.headers.raw if name.decode().lower() not in IGNORED_HEADERS
    ] == [(name, value) for name, value in slow.headers.raw if name.decode().lower() not in IGNORED_HEADERS]


def _fast_logged(server: ApiServer, request_id: str) -> bool:
    lines = [record for record in server.log_records() if record.get("request_id") == request_id]
    assert len(lines) == 1, lines
    return bool(lines[0].get("fast_read"))


def _auth(servers: tuple[ApiServer, ApiServer], user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {servers[0].token(user_id)}"}


@pytest.mark.parametrize("query", LIST_SHAPES)
def test_every_list_shape_is_byte_identical(
    servers: tuple[ApiServer, ApiServer], seeded: tuple[str, list[int]], query: str
) -> None:
    user_id, _ = seeded
    fast, slow = _both(servers, f"/api/tasks?{query}" if query else "/api/tasks", _auth(servers, user_id))
    assert fast.status_code == 200, fast.text
    _assert_identical(fast, slow)
    assert _fast_logged(servers[0], fast.headers["x-request-id"])


def test_the_seeded_shapes_are_all_there(
    servers: tuple[ApiServer, ApiServer], seeded: tuple[str, list[int]]
) -> None:
    """The comparison above is only as good as the data: every field's forms are in the list."""
    user_id, ids = seeded
    fast, _ = _both(servers, "/api/tasks?limit=500", _auth(servers, user_id))
    tasks = fast.json()
    assert len(tasks) == len(ids) == len(TASKS) + 1
    assert any(task["due"] and "time_zone" in task["due"] and "time" in task["due"] for task in tasks)
    assert any(task["due"] and "time" not in task["due"] for task in tasks)
    assert any(task["next_occurrence_id"] for task in tasks) and any(task["completed_at"] for task in tasks)
    assert {"urgent", "high", "medium", "low", "none"} <= {task["priority"] for task in tasks}
    assert b"\\u0001" in fast.content and "🎂".encode() in fast.content


def test_get_one_is_byte_identical_for_every_task(
    servers: tuple[ApiServer, ApiServer], seeded: tuple[str, list[int]]
) -> None:
    user_id, ids = seeded
    for task_id in ids:
        fast, slow = _both(servers, f"/api/tasks/{task_id}", _auth(servers, user_id))
        assert fast.status_code == 200, fast.text
        _assert_identical(fast, slow)
        assert _fast_logged(servers[0], fast.headers["x-request-id"])


@pytest.mark.parametrize("query", FALLING_THROUGH)
def test_what_the_fast_path_does_not_take_is_answered_by_the_route(
    servers: tuple[ApiServer, ApiServer], seeded: tuple[str, list[int]], query: str
) -> None:
    user_id, _ = seeded
    fast, slow = _both(servers, f"/api/tasks?{query}", _auth(servers, user_id))
    assert fast.status_code == 422, fast.text
    _assert_identical(fast, slow)
    assert not _fast_logged(servers[0], fast.headers["x-request-id"])


@pytest.mark.parametrize("query", FALLING_THROUGH_TO_A_PAGE)
def test_number_forms_the_fast_path_leaves_to_fastapi(
    servers: tuple[ApiServer, ApiServer], seeded: tuple[str, list[int]], query: str
) -> None:
    user_id, _ = seeded
    fast, slow = _both(servers, f"/api/tasks?{query}", _auth(servers, user_id))
    assert fast.status_code == 200, fast.text
    _assert_identical(fast, slow)
    assert not _fast_logged(servers[0], fast.headers["x-request-id"])


@pytest.mark.parametrize(
    ("target", "headers", "method", "status"),
    [
        ("/api/tasks", {}, "GET", 401),
        ("/api/tasks", {"Authorization": "Bearer not-a-jwt"}, "GET", 401),
        ("/api/tasks/1", {"Authorization": "Basic dXNlcjpwYXNz"}, "GET", 401),
        ("/api/tasks/9223372036854775807", None, "GET", 404),
        ("/api/tasks/9223372036854775808", None, "GET", 422),
        ("/api/tasks/0", None, "GET", 422),
        ("/api/tasks/abc", None, "GET", 404),
        ("/api/tasks/{id}?x=1", None, "GET", 422),
        ("/api/tasks/{id}", None, "HEAD", 405),
        ("/api/tasks/{id}/", None, "GET", 200),
        ("/api/tasks/", None, "GET", 200),
        ("/api/{user}/tasks?limit=2", None, "GET", 200),
        ("/api/{user}/tasks/{id}", None, "GET", 200),
        ("/api/someone-else/tasks", None, "GET", 404),
        ("/api/tasks", {"Origin": "http://allowed.example"}, "GET", 200),
        ("/api/tasks/{id}", {"Origin": "http://elsewhere.example"}, "GET", 200),
    ],
)
def test_edges_answer_as_the_routes_do(
    servers: tuple[ApiServer, ApiServer],
    seeded: tuple[str, list[int]],
    target: str,
    headers: dict[str, str] | None,
    method: str,
    status: int,
) -> None:
    user_id, ids = seeded
    path = target.replace("{id}", str(ids[0])).replace("{user}", user_id)
    sent = _auth(servers, user_id) if headers is None else headers
    if headers is not None and "Origin" in headers:
        sent = {**_auth(servers, user_id), **headers}
    fast, slow = _both(servers, path, sent, method)
    assert fast.status_code == status, fast.text
    _assert_identical(fast, slow)


def test_another_users_task_is_the_same_404(
    servers: tuple[ApiServer, ApiServer], seeded: tuple[str, list[int]]
) -> None:
    _, ids = seeded
    fast, slow = _both(servers, f"/api/tasks/{ids[0]}", _auth(servers, f"stranger-{uuid.uuid4()}"))
    assert fast.status_code == 404
    _assert_identical(fast, slow)


def test_the_bulk_routes_leave_the_stored_json_current(servers: tuple[ApiServer, ApiServer]) -> None:
    """PostgreSQL keeps each task's JSON by trigger: the bulk routes' one-statement changes too."""
    fast, _ = servers
    user_id = f"bulk-reads-{uuid.uuid4()}"
    with fast.client(user_id) as client:
        for body in TASKS[:4]:
            assert client.post("/api/tasks", json=body).status_code == 201
        assert client.post("/api/tasks/complete-all").status_code == 200
        kept = client.post("/api/tasks", json={"title": "still to do"}).json()["id"]
        assert client.delete(f"/api/tasks/{kept}").status_code == 204
    for query in ("", "status=completed", "sort=title"):
        listed, slow = _both(servers, f"/api/tasks?{query}", _auth(servers, user_id))
        assert listed.status_code == 200 and len(listed.json()) == 4
        assert all(task["completed"] and task["completed_at"] for task in listed.json())
        _assert_identical(listed, slow)
    with fast.client(user_id) as client:
        assert client.post("/api/tasks/clear-completed").status_code == 200
    emptied, slow = _both(servers, "/api/tasks", _auth(servers, user_id))
    assert emptied.content == b"[]"
    _assert_identical(emptied, slow)
