"""Idempotency-Key on every write: the first outcome is kept and answered again; never a second change."""

from __future__ import annotations

import string
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.api.helpers import api_client, assert_invalid, assert_problem, create_task, fetch, list_tasks
from tests.support.api_server import ApiServer

REPLAYED = "idempotency-replayed"
KEY_CHARACTERS = string.ascii_letters + string.digits + "._:-"


def key() -> str:
    return f"key-{uuid.uuid4()}"


def send(
    client: httpx.Client, method: str, path: str, idempotency_key: str, body: Any = None
) -> httpx.Response:
    headers = {"Idempotency-Key": idempotency_key}
    return client.request(method, path, json=body, headers=headers)


def assert_replayed(first: httpx.Response, retry: httpx.Response) -> None:
    """The stored outcome again, byte for byte, marked as a replay."""
    assert REPLAYED not in first.headers
    assert retry.headers.get(REPLAYED) == "true"
    assert retry.status_code == first.status_code
    assert retry.content == first.content
    for header in ("content-type", "location", "etag", "link"):
        assert retry.headers.get(header) == first.headers.get(header), header


def test_a_retried_create_gets_the_first_answer_and_makes_no_second_task(client: httpx.Client) -> None:
    k = key()
    first = send(client, "POST", "/api/tasks", k, {"title": "Buy milk", "tags": ["home"]})
    retry = send(client, "POST", "/api/tasks", k, {"title": "Buy milk", "tags": ["home"]})

    assert first.status_code == 201 and first.headers["location"]
    assert_replayed(first, retry)
    assert [task["title"] for task in list_tasks(client)] == ["Buy milk"]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PUT", "", {"title": "put", "priority": "high"}),
        ("PATCH", "", {"completed": True}),
        ("PATCH", "/complete", None),
    ],
    ids=["put", "patch", "complete-toggle"],
)
def test_a_retried_edit_is_answered_as_first_and_applied_once(
    client: httpx.Client, method: str, suffix: str, body: Any
) -> None:
    task = create_task(client, title="original")
    path, k = f"/api/tasks/{task['id']}{suffix}", key()
    first = send(client, method, path, k, body)
    assert first.status_code == 200, first.text
    # Someone else changes it in between; the retry must not apply the edit again (a toggle would flip back).
    client.patch(f"/api/tasks/{task['id']}", json={"description": "meanwhile"})
    now = fetch(client, task["id"]).json()

    retry = send(client, method, path, k, body)

    assert_replayed(first, retry)
    assert fetch(client, task["id"]).json() == now


def test_a_replayed_completion_keeps_its_link_to_the_next_occurrence(client: httpx.Client) -> None:
    task = create_task(client, due={"date": "2026-12-07"}, recurrence="FREQ=WEEKLY")
    path, k = f"/api/tasks/{task['id']}/complete", key()
    first = send(client, "PATCH", path, k, {"completed": True})
    assert 'rel="next"' in first.headers["link"]

    assert_replayed(first, send(client, "PATCH", path, k, {"completed": True}))
    assert len(list_tasks(client)) == 2


def test_a_retried_delete_is_204_again_not_404(client: httpx.Client) -> None:
    task = create_task(client)
    path, k = f"/api/tasks/{task['id']}", key()
    first = send(client, "DELETE", path, k)
    retry = send(client, "DELETE", path, k)

    assert first.status_code == 204
    assert_replayed(first, retry)
    assert retry.content == b""


@pytest.mark.parametrize(("route", "field"), [("clear-completed", "deleted"), ("complete-all", "completed")])
def test_the_bulk_routes_replay_too(client: httpx.Client, route: str, field: str) -> None:
    create_task(client, completed=True)
    create_task(client)
    k = key()
    first = send(client, "POST", f"/api/tasks/{route}", k)
    assert first.json() == {field: 1}
    create_task(client, completed=route == "clear-completed")  # something the replay must leave alone
    tasks_before = list_tasks(client)

    retry = send(client, "POST", f"/api/tasks/{route}", k)

    assert_replayed(first, retry)
    assert list_tasks(client) == tasks_before


@pytest.mark.parametrize(
    "other",
    [
        ("POST", "/api/tasks", {"title": "another title"}),
        ("POST", "/api/tasks/complete-all", None),
        ("PUT", "/api/tasks/1", {"title": "x"}),
    ],
    ids=["other-body", "other-path", "other-method"],
)
def test_the_same_key_for_another_request_is_422_and_changes_nothing(
    client: httpx.Client, other: tuple[str, str, Any]
) -> None:
    k = key()
    first = send(client, "POST", "/api/tasks", k, {"title": "the first"})
    assert first.status_code == 201

    method, path, body = other
    assert_invalid(send(client, method, path, k, body), "Idempotency-Key")

    assert [task["title"] for task in list_tasks(client)] == ["the first"]
    assert_replayed(first, send(client, "POST", "/api/tasks", k, {"title": "the first"}))


def test_keys_belong_to_their_user(client: httpx.Client, stranger: httpx.Client) -> None:
    k = key()
    mine = send(client, "POST", "/api/tasks", k, {"title": "same"})
    theirs = send(stranger, "POST", "/api/tasks", k, {"title": "same"})

    assert mine.status_code == theirs.status_code == 201
    assert REPLAYED not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]
    assert len(list_tasks(client)) == len(list_tasks(stranger)) == 1


def test_a_failed_request_is_not_stored_and_can_be_retried_with_the_same_key(client: httpx.Client) -> None:
    task = create_task(client)
    path, k = f"/api/tasks/{task['id']}", key()
    stale = client.patch(path, json={"title": "new"}, headers={"Idempotency-Key": k, "If-Match": 'W/"99"'})
    assert_problem(stale, 412)

    retry = client.patch(path, json={"title": "new"}, headers={"Idempotency-Key": k, "If-Match": 'W/"1"'})

    assert retry.status_code == 200 and REPLAYED not in retry.headers
    assert retry.json()["title"] == "new"


def test_a_404_and_a_422_are_not_stored_either(client: httpx.Client) -> None:
    k = key()
    assert_problem(send(client, "PATCH", "/api/tasks/999999999", k, {"title": "x"}), 404)
    assert_invalid(send(client, "POST", "/api/tasks", k, {"title": ""}), "title")

    created = send(client, "POST", "/api/tasks", k, {"title": "now valid"})

    assert created.status_code == 201 and REPLAYED not in created.headers


@pytest.mark.parametrize(
    "bad",
    ["", "a b", "x" * 256, "é", "slash/no", "semi;colon", 'quote"d', "comma,no"],
    ids=["empty", "inner-space", "256-chars", "non-ascii", "slash", "semicolon", "quote", "comma"],
)
def test_a_malformed_key_is_422_and_nothing_happens(client: httpx.Client, bad: str) -> None:
    response = client.post("/api/tasks", json={"title": "x"}, headers={"Idempotency-Key": bad.encode()})
    assert_invalid(response, "Idempotency-Key")
    assert list_tasks(client) == []


@pytest.mark.parametrize(
    "good", [KEY_CHARACTERS, "k" * 255, "1"], ids=["every-allowed-character", "255-chars", "1-char"]
)
def test_a_key_of_1_to_255_allowed_characters_is_taken(client: httpx.Client, good: str) -> None:
    first = send(client, "POST", "/api/tasks", good, {"title": "x"})
    assert first.status_code == 201, first.text
    assert_replayed(first, send(client, "POST", "/api/tasks", good, {"title": "x"}))


def test_concurrent_requests_with_one_key_make_one_change(server: ApiServer, user_id: str) -> None:
    k, clients = key(), [api_client(server, user_id) for _ in range(8)]
    try:
        with ThreadPoolExecutor(len(clients)) as pool:
            answers = list(pool.map(lambda c: send(c, "POST", "/api/tasks", k, {"title": "once"}), clients))
        tasks = list_tasks(clients[0])
    finally:
        for c in clients:
            c.close()

    assert len(tasks) == 1
    done = [answer for answer in answers if answer.status_code == 201]
    assert all(answer.status_code in (201, 409) for answer in answers), [a.text for a in answers]
    assert done and all(answer.content == done[0].content for answer in done)
    assert sum(REPLAYED not in answer.headers for answer in done) == 1
