"""The OpenAPI document generates a good client: precise bodies, integer ids, the statuses and
headers each route really has, and patterns that JavaScript's `u` flag accepts."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from domain.due import Due
from domain.errors import InvalidTask
from domain.fields import clean_tag, clean_title
from entrypoints.http.field_docs import TAG_PATTERN, TITLE

Document = dict[str, Any]


@pytest.fixture
def document(app: FastAPI) -> Document:
    return app.openapi()


def operations(document: Document) -> Iterator[tuple[str, str, Document]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def operation(document: Document, method: str, path: str) -> Document:
    found: Document = document["paths"][path][method.lower()]
    return found


def body_schema(document: Document, method: str, path: str) -> Document:
    ref = operation(document, method, path)["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema: Document = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def patterns(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from patterns(item)


def test_every_pattern_compiles_under_javascripts_u_flag(document: Document) -> None:
    found = sorted(set(patterns(document)))
    assert len(found) >= 6, found  # title, description, tags, date, time, recurrence, priority filter
    script = "for (const p of JSON.parse(process.argv[1])) new RegExp(p, 'u'); console.log('ok')"
    result = subprocess.run(
        ["node", "-e", script, json.dumps(found)], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr


@pytest.mark.parametrize(
    "tag",
    ["work", " Work ", "a b", "x" * 40, "  " + "x" * 40 + " ", "", " ", "x" * 41, "a,b", "tab\tin", "\x85"],
)
def test_the_tag_pattern_says_what_the_domain_decides(tag: str) -> None:
    try:
        clean_tag(tag)
        accepted = True
    except InvalidTask:
        accepted = False
    assert bool(re.fullmatch(TAG_PATTERN, tag)) is accepted


@pytest.mark.parametrize(
    "title", ["t", "  t  ", "t" * 200, " " + "t" * 200 + "\n", "", "   ", "t" * 201, "a\x00"]
)
def test_the_title_pattern_says_what_the_domain_decides(title: str) -> None:
    try:
        clean_title(title)
        accepted = True
    except InvalidTask:
        accepted = False
    assert bool(re.fullmatch(str(TITLE["pattern"]), title)) is accepted


@pytest.mark.parametrize(
    ("method", "path"), [("PUT", "/api/tasks/{task_id}"), ("PATCH", "/api/tasks/{task_id}")]
)
def test_put_and_patch_take_one_object_of_optional_properties(
    document: Document, method: str, path: str
) -> None:
    schema = body_schema(document, method, path)
    assert schema["type"] == "object"
    assert "anyOf" not in schema and "oneOf" not in schema
    assert "required" not in schema
    assert schema["minProperties"] == 1  # an empty body is refused
    assert {
        "title",
        "completed",
        "priority",
        "tags",
        "due",
        "due_date",
        "recurrence",
        "repeat_from",
        "remind_at",
    } <= set(schema["properties"])
    # What may not be null is not declared nullable, and no default pretends to be applied.
    for name in ("title", "completed", "priority", "tags", "repeat_from"):
        assert "anyOf" not in schema["properties"][name] and "default" not in schema["properties"][name], name


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/tasks"), ("PATCH", "/api/tasks/{task_id}")])
def test_a_body_may_not_name_both_due_and_due_date(document: Document, method: str, path: str) -> None:
    assert body_schema(document, method, path)["not"] == {"required": ["due", "due_date"]}


def test_the_recurrence_pattern_names_only_the_parts_allowed(document: Document) -> None:
    pattern = body_schema(document, "POST", "/api/tasks")["properties"]["recurrence"]["pattern"]
    for rule in (
        "FREQ=WEEKLY;BYDAY=MO",
        "freq=monthly;bysetpos=-1;byday=MO,TU",
        "FREQ=DAILY;UNTIL=20261231T000000Z",
    ):
        assert re.fullmatch(pattern, rule), rule
    for rule in ("A=0", "FREQ=DAILY;BYHOUR=9", "RRULE:FREQ=DAILY", "FREQ=DAILY;"):
        assert not re.fullmatch(pattern, rule), rule


def test_create_requires_only_the_title_and_shows_the_server_defaults(document: Document) -> None:
    schema = body_schema(document, "POST", "/api/tasks")
    assert schema["required"] == ["title"]
    defaults = {name: prop.get("default") for name, prop in schema["properties"].items()}
    assert (defaults["completed"], defaults["priority"], defaults["tags"], defaults["repeat_from"]) == (
        False,
        "none",
        [],
        "due",
    )


def test_the_due_object_needs_a_date_and_a_zone_for_a_time(document: Document) -> None:
    due = document["components"]["schemas"]["DueIn"]
    assert due["required"] == ["date"]
    assert due["dependentRequired"] == {"time": ["time_zone"]}
    assert "at" not in due["properties"]
    assert set(document["components"]["schemas"]["DueOut"]["required"]) == {"date", "at"}


def test_the_path_id_is_an_integer_and_if_match_is_spelt_as_on_the_wire(document: Document) -> None:
    for method, path, op in operations(document):
        for parameter in op.get("parameters", []):
            if parameter["name"] == "task_id":
                assert parameter["schema"]["type"] == "integer", (method, path)
                assert (parameter["schema"]["minimum"], parameter["schema"]["maximum"]) == (1, 2**63 - 1)
            if parameter["in"] == "header" and parameter["name"] == "Idempotency-Key":
                assert method in {"POST", "PUT", "PATCH", "DELETE"}, (method, path)
                assert parameter["schema"]["pattern"] == "^[A-Za-z0-9._:-]{1,255}$"
            elif parameter["in"] == "header":
                assert parameter["name"] == "If-Match", (method, path)
                assert parameter["schema"] == {
                    "type": "string",
                    "description": parameter["description"],
                    "title": "If-Match",
                }


EXPECTED_STATUSES = {
    ("GET", "/api/tasks"): {"200", "401", "422", "503"},
    ("POST", "/api/tasks"): {"201", "401", "409", "413", "422", "503"},
    ("GET", "/api/tasks/{task_id}"): {"200", "401", "404", "422", "503"},
    ("PUT", "/api/tasks/{task_id}"): {"200", "401", "404", "409", "412", "413", "422", "503"},
    ("PATCH", "/api/tasks/{task_id}"): {"200", "401", "404", "409", "412", "413", "422", "503"},
    ("PATCH", "/api/tasks/{task_id}/complete"): {"200", "401", "404", "409", "412", "413", "422", "503"},
    ("DELETE", "/api/tasks/{task_id}"): {"204", "401", "404", "409", "412", "422", "503"},
    ("POST", "/api/tasks/clear-completed"): {"200", "401", "409", "413", "422", "503"},
    ("POST", "/api/tasks/complete-all"): {"200", "401", "409", "413", "422", "503"},
    ("GET", "/api/tasks/changes"): {"200", "401", "410", "422", "503"},
    ("GET", "/api/tags"): {"200", "401", "422", "503"},
    ("GET", "/api/me"): {"200", "401", "422", "503"},
    ("GET", "/healthz"): {"200"},
    ("GET", "/readyz"): {"200", "503"},
}


def test_each_route_declares_only_the_statuses_it_can_return(document: Document) -> None:
    declared = {(method, path): set(op["responses"]) for method, path, op in operations(document)}
    assert declared == EXPECTED_STATUSES


def test_headers_are_declared_where_they_are_sent(document: Document) -> None:
    for method, path, op in operations(document):
        for status, response in op["responses"].items():
            sent = set(response.get("headers", {}))
            assert "X-Request-ID" in sent, (method, path, status)
            assert ("WWW-Authenticate" in sent) is (status == "401"), (method, path, status)
            assert ("Retry-After" in sent) is (status == "503"), (method, path, status)
    assert {"Location", "ETag"} <= set(
        operation(document, "POST", "/api/tasks")["responses"]["201"]["headers"]
    )
    assert "X-Total-Count" in operation(document, "GET", "/api/tasks")["responses"]["200"]["headers"]
    for method, path in [
        ("PUT", "/api/tasks/{task_id}"),
        ("PATCH", "/api/tasks/{task_id}"),
        ("PATCH", "/api/tasks/{task_id}/complete"),
    ]:
        assert {"ETag", "Link"} <= set(operation(document, method, path)["responses"]["200"]["headers"])
    assert "ETag" in operation(document, "GET", "/api/tasks/{task_id}")["responses"]["200"]["headers"]


def test_errors_are_problem_json(document: Document) -> None:
    for _, _, op in operations(document):
        for status, response in op["responses"].items():
            if status[0] in "45":
                assert list(response["content"]) == ["application/problem+json"]


def test_the_list_documents_every_v2_parameter(document: Document) -> None:
    parameters = {p["name"]: p["schema"] for p in operation(document, "GET", "/api/tasks")["parameters"]}
    assert set(parameters) == {
        "status",
        "sort",
        "q",
        "priority",
        "tag",
        "due_before",
        "due_after",
        "has_due",
        "limit",
        "offset",
    }
    assert "overdue" in parameters["status"]["enum"]
    assert {"due", "-due", "priority", "-priority"} <= set(parameters["sort"]["enum"])
    assert parameters["tag"]["type"] == "array"
    assert parameters["tag"]["items"]["pattern"] == TAG_PATTERN
    assert parameters["has_due"]["enum"] == ["true", "false"]
    assert re.fullmatch(parameters["priority"]["pattern"], "urgent,High, low")
    assert not re.fullmatch(parameters["priority"]["pattern"], "high,")


def test_the_time_zones_listed_are_exactly_those_a_due_takes(document: Document) -> None:
    listed = document["components"]["schemas"]["DueIn"]["properties"]["time_zone"]["enum"]
    assert {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"} <= set(listed)
    for name in listed:
        Due.parse("2026-12-07", "09:30", name)
    for unlisted in ("localtime", "europe/berlin", "Mars/Olympus_Mons"):
        assert unlisted not in listed
        with pytest.raises(InvalidTask):
            Due.parse("2026-12-07", "09:30", unlisted)
