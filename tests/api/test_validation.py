"""Field rules, body shapes, body size and path ids: 422, 413 or 404 as problems, never 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.helpers import (
    ONE_TASK_OPERATIONS,
    TASK_FIELDS,
    Operation,
    assert_invalid,
    assert_problem,
    create_task,
    fetch,
    one_backend,
)

BODY_LIMIT = 64 * 1024
EDIT_METHODS = ["PUT", "PATCH"]
WRITE_METHODS = ["POST", *EDIT_METHODS]


def _send(client: httpx.Client, method: str, task_id: int | None, **request: Any) -> httpx.Response:
    url = "/api/tasks" if method == "POST" else f"/api/tasks/{task_id}"
    if "content" in request:
        request["headers"] = {"Content-Type": "application/json"}
    return client.request(method, url, **request)


def _with_title(method: str, fields: dict[str, Any]) -> dict[str, Any]:
    """POST needs a title and PUT sends one as v1 clients do; PATCH sends just the fields under test."""
    return fields if method == "PATCH" else {"title": "a task", **fields}


def assert_rejected_without_change(
    client: httpx.Client, method: str, field: str | None, **request: Any
) -> None:
    """422 from POST creates nothing; from PUT/PATCH leaves the task as it was."""
    task = None if method == "POST" else create_task(client, description="before")
    response = _send(client, method, task and task["id"], **request)
    assert_invalid(response, field)
    if task is not None:
        assert fetch(client, task["id"]).json() == task
    else:
        assert client.get("/api/tasks").json() == []


ACCEPTED = [
    pytest.param({"title": "  x  "}, {"title": "x"}, id="title-trimmed"),
    pytest.param(
        {"title": "\t\n tabs and newlines \r\n"}, {"title": "tabs and newlines"}, id="title-trim-ws"
    ),
    pytest.param({"title": "t" * 200}, {"title": "t" * 200}, id="title-200"),
    pytest.param({"title": "  " + "t" * 200 + "  "}, {"title": "t" * 200}, id="title-200-padded"),
    pytest.param({"title": "é" * 200}, {"title": "é" * 200}, id="title-200-accented-characters"),
    pytest.param({"title": "🎉" * 200}, {"title": "🎉" * 200}, id="title-200-emoji"),
    pytest.param({"description": "d" * 1000}, {"description": "d" * 1000}, id="description-1000"),
    pytest.param(
        {"description": " kept  as given "}, {"description": " kept  as given "}, id="description-as-is"
    ),
    pytest.param(
        {"title": "x", "colour": "red", "labels": [1, 2], "nested": {"a": None}},
        {"title": "x"},
        id="unknown-fields-ignored",
    ),
]


@pytest.mark.parametrize("method", WRITE_METHODS)
@pytest.mark.parametrize(("fields", "expected"), ACCEPTED)
def test_valid_fields_are_stored_as_the_rules_say(
    client: httpx.Client, method: str, fields: dict[str, Any], expected: dict[str, Any]
) -> None:
    task_id = None if method == "POST" else create_task(client)["id"]
    response = _send(client, method, task_id, json=_with_title(method, fields))
    assert response.status_code == (201 if method == "POST" else 200), response.text
    stored = fetch(client, response.json()["id"]).json()
    assert {key: stored[key] for key in expected} == expected
    assert set(stored) == TASK_FIELDS


REJECTED_FIELDS = [
    pytest.param("title", "t" * 201, id="title-201"),
    pytest.param("title", "  " + "t" * 201, id="title-201-after-trim"),
    pytest.param("title", "", id="title-empty"),
    pytest.param("title", "   ", id="title-spaces"),
    pytest.param("title", "\t\n\r ", id="title-whitespace"),
    pytest.param("title", "a\x00b", id="title-nul"),
    pytest.param("title", None, id="title-null"),
    pytest.param("title", 42, id="title-number"),
    pytest.param("title", True, id="title-boolean"),
    pytest.param("title", ["a"], id="title-array"),
    pytest.param("title", {"text": "a"}, id="title-object"),
    pytest.param("description", "d" * 1001, id="description-1001"),
    pytest.param("description", "a\x00", id="description-nul"),
    pytest.param("description", 7, id="description-number"),
    pytest.param("description", ["d"], id="description-array"),
    pytest.param("completed", "yes", id="completed-yes"),
    pytest.param("completed", "true", id="completed-string-true"),
    pytest.param("completed", "false", id="completed-string-false"),
    pytest.param("completed", 1, id="completed-1"),
    pytest.param("completed", 0, id="completed-0"),
    pytest.param("completed", None, id="completed-null"),
]


@one_backend
@pytest.mark.parametrize("method", WRITE_METHODS)
@pytest.mark.parametrize(("field", "value"), REJECTED_FIELDS)
def test_an_invalid_field_is_422_naming_it(client: httpx.Client, method: str, field: str, value: Any) -> None:
    fields = {**_with_title(method, {}), field: value}
    assert_rejected_without_change(client, method, field, json=fields)


@one_backend
def test_a_create_without_a_title_is_422(client: httpx.Client) -> None:
    assert_rejected_without_change(client, "POST", "title", json={"description": "no title"})


@one_backend
@pytest.mark.parametrize("method", EDIT_METHODS)
@pytest.mark.parametrize(
    "body", [{}, {"colour": "red"}, {"id": 5, "user_id": "x"}], ids=["empty", "unknown-only", "ignored-only"]
)
def test_an_edit_with_nothing_to_change_is_422(
    client: httpx.Client, method: str, body: dict[str, Any]
) -> None:
    assert_rejected_without_change(client, method, None, json=body)


BAD_BODIES = [
    pytest.param(b"{not json", id="malformed"),
    pytest.param(b'{"title": "x",}', id="trailing-comma"),
    pytest.param(b'{"title": "x"', id="truncated"),
    pytest.param(b"[]", id="empty-array"),
    pytest.param(b'[{"title": "x"}]', id="array-of-task"),
    pytest.param(b'"a string"', id="string"),
    pytest.param(b"42", id="number"),
    pytest.param(b"true", id="boolean"),
    pytest.param(b"null", id="null"),
    pytest.param(b"\xff\xfe{", id="not-utf8"),
]


@one_backend
@pytest.mark.parametrize("method", WRITE_METHODS)
@pytest.mark.parametrize("body", BAD_BODIES)
def test_a_body_that_is_not_a_json_object_is_422(client: httpx.Client, method: str, body: bytes) -> None:
    assert_rejected_without_change(client, method, None, content=body)


@one_backend
@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"completed": "yes"}', b'{"completed": 1}', b'{"completed": null}', b"[]", b'"x"'],
)
def test_complete_rejects_a_body_that_is_not_a_boolean_flag(client: httpx.Client, body: bytes) -> None:
    task = create_task(client)
    response = client.patch(
        f"/api/tasks/{task['id']}/complete", content=body, headers={"Content-Type": "application/json"}
    )
    assert_invalid(response)
    assert fetch(client, task["id"]).json() == task


def _padded_body(size: int) -> bytes:
    """A valid create body of exactly `size` bytes; the padding is an ignored unknown field."""
    skeleton = json.dumps({"title": "big", "padding": ""}).encode()
    body = json.dumps({"title": "big", "padding": "p" * (size - len(skeleton))}).encode()
    assert len(body) == size
    return body


def _chunks(body: bytes, size: int = 8192) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_a_body_of_exactly_64_kib_is_accepted(client: httpx.Client) -> None:
    response = _send(client, "POST", None, content=_padded_body(BODY_LIMIT))
    assert response.status_code == 201, response.text


def test_a_chunked_body_is_read_like_any_other(client: httpx.Client) -> None:
    response = _send(client, "POST", None, content=_chunks(_padded_body(BODY_LIMIT)))
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "big"


@one_backend
@pytest.mark.parametrize("method", WRITE_METHODS)
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_body_over_64_kib_is_413(client: httpx.Client, method: str, framing: str) -> None:
    body = _padded_body(BODY_LIMIT + 1)
    task = None if method == "POST" else create_task(client)
    content = body if framing == "content-length" else _chunks(body)
    response = _send(client, method, task and task["id"], content=content)
    assert_problem(response, 413)
    if task is None:
        assert client.get("/api/tasks").json() == []
    else:
        assert fetch(client, task["id"]).json() == task


@one_backend
def test_a_much_larger_body_is_413_too(client: httpx.Client) -> None:
    assert_problem(_send(client, "POST", None, content=_chunks(b" " * (5 * 1024 * 1024))), 413)


NOT_TASK_IDS = ["0", "-1", "abc", "1.5", "1e3", "0x1", str(2**63), str(-(2**63) - 1), "9" * 23, "%00"]


@one_backend
@pytest.mark.parametrize("operation", ONE_TASK_OPERATIONS, ids=str)
@pytest.mark.parametrize("raw_id", NOT_TASK_IDS)
def test_a_path_id_that_is_not_a_positive_64_bit_integer_is_404_or_422(
    client: httpx.Client, operation: Operation, raw_id: str
) -> None:
    response = operation.send(client, raw_id)
    assert response.status_code in {404, 422}, response.text
    assert_problem(response, response.status_code)


@pytest.mark.parametrize("operation", ONE_TASK_OPERATIONS, ids=str)
def test_the_largest_64_bit_id_is_simply_not_found(client: httpx.Client, operation: Operation) -> None:
    assert_problem(operation.send(client, 2**63 - 1), 404)
