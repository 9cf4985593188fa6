"""How the paths frontends send are mapped onto our routes, before anything routes them."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest

from entrypoints.http.middleware import normalize_path


def scope_for(raw: str) -> dict[str, Any]:
    return {"type": "http", "path": unquote(raw), "raw_path": raw.encode(), "query_string": b""}


@pytest.mark.parametrize(
    ("raw", "path", "user", "prefix"),
    [
        ("/api/tasks", "/api/tasks", None, "/api"),
        ("/api/tasks/", "/api/tasks", None, "/api"),
        ("/api/tasks/7/", "/api/tasks/7", None, "/api"),
        ("/api/u1/tasks", "/api/tasks", "u1", "/api/u1"),
        ("/api/u1/tasks/", "/api/tasks", "u1", "/api/u1"),
        ("/api/u1/tasks/7/complete/", "/api/tasks/7/complete", "u1", "/api/u1"),
        ("/api/u1/tasks/changes", "/api/tasks/changes", "u1", "/api/u1"),
        ("/api/team%2Falice%20b/tasks/7", "/api/tasks/7", "team/alice b", "/api/team%2Falice%20b"),
        ("/api//tasks", "/api/tasks", "", "/api/"),
        ("/api/tasks/tasks", "/api/tasks/tasks", None, "/api"),
        ("/api/tasks/tasks/7", "/api/tasks/tasks/7", None, "/api"),
        ("/api/u1/me", "/api/u1/me", None, "/api"),
        ("/api/u1/u2/tasks", "/api/u1/u2/tasks", None, "/api"),
        ("/api/tasks//", "/api/tasks/", None, "/api"),
        ("/healthz/", "/healthz", None, "/api"),
        ("/", "/", None, "/api"),
    ],
)
def test_paths_map_onto_the_plain_routes(raw: str, path: str, user: str | None, prefix: str) -> None:
    scope = scope_for(raw)
    normalize_path(scope)
    assert scope["path"] == path
    assert scope["state"].get("path_user_id") == user
    assert scope["state"]["tasks_prefix"] == prefix


def test_a_raw_path_that_carries_the_query_string_is_cut_before_it_and_kept_as_sent() -> None:
    scope = scope_for("/api/u1/tasks/")
    scope["raw_path"] = b"/api/u1/tasks/?q=a/b"
    normalize_path(scope)
    assert (scope["path"], scope["raw_path"]) == ("/api/tasks", b"/api/u1/tasks/?q=a/b")


def test_without_a_raw_path_the_decoded_path_is_used() -> None:
    scope = {"type": "http", "path": "/api/a b/tasks/"}
    normalize_path(scope)
    assert (scope["path"], scope["state"]["path_user_id"]) == ("/api/tasks", "a b")


def test_an_app_mounted_under_a_prefix_is_left_alone() -> None:
    scope = {**scope_for("/v1/api/u1/tasks/"), "root_path": "/v1"}
    normalize_path(scope)
    assert scope["path"] == "/v1/api/u1/tasks/"
