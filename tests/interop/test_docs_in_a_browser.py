"""/docs and /redoc render in a real Chromium that can reach nothing but the API itself."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Route

from tests.support.api_server import ApiServer
from tests.support.browser import chromium

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.parametrize("server", ["sqlite"], indirect=True),
]

# ReDoc's "API docs by Redocly" badge is hard-coded to its CDN and hides itself when it cannot load;
# the docs CSP blocks it, so it never leaves the browser.
REDOC_BADGE = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with chromium(tmp_path_factory.mktemp("chromium-docs")) as context:
        yield context


@pytest.fixture
def operations(server: ApiServer) -> list[tuple[str, str]]:
    """(tag, operationId) of every documented operation."""
    spec = httpx.get(f"{server.base_url}/openapi.json", timeout=10).json()
    return [
        (operation["tags"][0], operation["operationId"])
        for item in spec["paths"].values()
        for operation in item.values()
    ]


@contextmanager
def offline_page(browser: BrowserContext, server: ApiServer, path: str) -> Iterator[tuple[Page, list[str]]]:
    """`path` opened with every request off the API's host refused; the list collects what went wrong."""
    problems: list[str] = []
    api_host = urlsplit(server.base_url).netloc

    def only_the_api(route: Route) -> None:
        if urlsplit(route.request.url).netloc == api_host:
            route.continue_()
        else:
            problems.append(f"requested {route.request.url}")
            route.abort()

    def remember(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    page = browser.new_page()
    try:
        page.route("**/*", only_the_api)
        page.on("console", remember)
        page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
        page.goto(server.base_url + path)
        yield page, problems
    finally:
        page.close()


def test_swagger_ui_shows_every_operation(
    browser: BrowserContext, server: ApiServer, operations: list[tuple[str, str]]
) -> None:
    with offline_page(browser, server, "/docs") as (page, problems):
        for tag, operation_id in operations:
            page.wait_for_selector(f"#operations-{tag}-{operation_id}", state="attached")

    assert problems == []


def test_redoc_shows_every_operation(
    browser: BrowserContext, server: ApiServer, operations: list[tuple[str, str]]
) -> None:
    with offline_page(browser, server, "/redoc") as (page, problems):
        for tag, operation_id in operations:
            page.wait_for_selector(
                f'[data-section-id="tag/{tag}/operation/{operation_id}"]', state="attached"
            )

    assert [problem for problem in problems if REDOC_BADGE not in problem] == []
