"""Optimistic concurrency: ETag on every read and write, If-Match honoured, 412 when stale."""

from __future__ import annotations

import httpx
import pytest

from tests.api.helpers import (
    COMPLETE_SET,
    COMPLETE_TOGGLE,
    DELETE,
    PATCH,
    PUT,
    WEAK_ETAG,
    WRITE_OPERATIONS,
    Operation,
    assert_problem,
    create_task,
    fetch,
)

CHANGING_OPERATIONS = [PUT, PATCH, COMPLETE_SET, COMPLETE_TOGGLE]


def _etag(response: httpx.Response) -> str:
    etag = response.headers.get("etag", "")
    assert WEAK_ETAG.fullmatch(etag), f"not a weak ETag: {etag!r}"
    return etag


def _version(response: httpx.Response) -> int:
    match = WEAK_ETAG.fullmatch(_etag(response))
    assert match is not None
    return int(match.group(1))


def _succeeded(operation: Operation, response: httpx.Response) -> None:
    assert response.status_code == (204 if operation is DELETE else 200), response.text


def test_every_write_answers_with_a_new_etag_that_get_agrees_with(client: httpx.Client) -> None:
    created = client.post("/api/tasks", json={"title": "versioned"})
    task_id = created.json()["id"]
    seen = [_etag(created)]
    for operation in CHANGING_OPERATIONS:
        response = operation.send(client, task_id)
        _succeeded(operation, response)
        seen.append(_etag(response))
        assert _etag(fetch(client, task_id)) == seen[-1]
    assert len(set(seen)) == len(seen), f"an edit kept its ETag: {seen}"


def test_a_read_does_not_change_the_etag(client: httpx.Client) -> None:
    task_id = create_task(client)["id"]
    assert _etag(fetch(client, task_id)) == _etag(fetch(client, task_id))


@pytest.mark.parametrize("operation", WRITE_OPERATIONS, ids=str)
@pytest.mark.parametrize("if_match", ["current", "*"])
def test_if_match_with_the_current_etag_or_star_succeeds(
    client: httpx.Client, operation: Operation, if_match: str
) -> None:
    current = fetch(client, create_task(client)["id"])
    header = _etag(current) if if_match == "current" else "*"
    _succeeded(operation, operation.send(client, current.json()["id"], **{"If-Match": header}))


@pytest.mark.parametrize("operation", WRITE_OPERATIONS, ids=str)
@pytest.mark.parametrize("stale", ["previous", "future", "garbage"])
def test_a_stale_if_match_is_412_and_changes_nothing(
    client: httpx.Client, operation: Operation, stale: str
) -> None:
    first = client.post("/api/tasks", json={"title": "contended"})
    task_id = first.json()["id"]
    assert client.patch(f"/api/tasks/{task_id}", json={"description": "edited elsewhere"}).status_code == 200
    before = fetch(client, task_id)
    stale_etags = {
        "previous": _etag(first),
        "future": f'W/"{_version(before) + 5}"',
        "garbage": "not-an-etag",
    }
    header = stale_etags[stale]

    assert_problem(operation.send(client, task_id, **{"If-Match": header}), 412)
    after = fetch(client, task_id)
    assert (after.json(), _etag(after)) == (before.json(), _etag(before))


def test_without_if_match_the_last_write_wins(two_devices: tuple[httpx.Client, httpx.Client]) -> None:
    laptop, phone = two_devices
    task_id = create_task(laptop, title="shared")["id"]
    fetch(laptop, task_id)
    fetch(phone, task_id)
    assert laptop.put(f"/api/tasks/{task_id}", json={"title": "from the laptop"}).status_code == 200
    assert phone.put(f"/api/tasks/{task_id}", json={"title": "from the phone"}).status_code == 200
    assert fetch(laptop, task_id).json()["title"] == "from the phone"


def test_the_second_of_two_conditional_writes_loses(
    two_devices: tuple[httpx.Client, httpx.Client],
) -> None:
    laptop, phone = two_devices
    task_id = create_task(laptop, title="shared")["id"]
    etag = _etag(fetch(laptop, task_id))
    won = laptop.put(f"/api/tasks/{task_id}", json={"title": "laptop wins"}, headers={"If-Match": etag})
    assert won.status_code == 200
    assert_problem(
        phone.put(f"/api/tasks/{task_id}", json={"title": "phone"}, headers={"If-Match": etag}), 412
    )
    assert fetch(phone, task_id).json()["title"] == "laptop wins"
