"""The API documents itself: docs pages that work offline, and operation ids fit for a generated client."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.api.helpers import one_backend

pytestmark = one_backend


class _References(HTMLParser):
    """Every URL a page makes the browser load or call: src, href, and the spec url in its script."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in {"src", "href", "spec-url"} and value]

    def handle_data(self, data: str) -> None:
        self.urls += re.findall(r"""url:\s*['"]([^'"]+)['"]""", data)
        self.urls += re.findall(r"https?://[^\s'\"<>)]+", data)


def references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_page_loads_nothing_from_another_host(anonymous: httpx.Client, page: str) -> None:
    response = anonymous.get(page)
    urls = references(response.text)

    assert response.status_code == 200
    assert any(url.endswith(".js") for url in urls), urls
    assert [url for url in urls if urlsplit(url).netloc] == []
    for url in urls:
        asset = anonymous.get(urljoin(page, url))
        assert asset.status_code == 200, f"{page} references {url}, which answers {asset.status_code}"


def test_the_docs_pages_may_load_only_from_the_api_itself(anonymous: httpx.Client) -> None:
    policy = anonymous.get("/docs").headers["content-security-policy"]

    assert "default-src 'self'" in policy
    assert "http" not in policy and "*" not in policy


def test_operation_ids_are_the_short_verbs_a_generated_client_calls(anonymous: httpx.Client) -> None:
    spec = anonymous.get("/openapi.json").json()
    ids = {
        f"{method.upper()} {path}": operation["operationId"]
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    }

    assert ids == {
        "GET /api/tasks": "listTasks",
        "POST /api/tasks": "createTask",
        "GET /api/tasks/{task_id}": "getTask",
        "PUT /api/tasks/{task_id}": "replaceTask",
        "PATCH /api/tasks/{task_id}": "updateTask",
        "PATCH /api/tasks/{task_id}/complete": "setTaskCompletion",
        "DELETE /api/tasks/{task_id}": "deleteTask",
        "GET /api/me": "getMe",
        "GET /api/tags": "listTags",
        "POST /api/tasks/clear-completed": "clearCompletedTasks",
        "POST /api/tasks/complete-all": "completeAllTasks",
        "GET /api/tasks/changes": "listTaskChanges",
        "GET /healthz": "getHealth",
        "GET /readyz": "getReadiness",
    }
