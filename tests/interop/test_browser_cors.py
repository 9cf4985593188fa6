"""CORS as a real browser enforces it: headless Chromium calls the API with fetch and a bearer token.

The same page is served from two origins on 127.0.0.1 that differ only by port. The API lists
the first in CORS_ORIGINS, so Chromium's preflights pass there and fail for the second.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage

from tests.support.api_server import ApiServer, api_server
from tests.support.browser import chromium, static_page_server

pytestmark = pytest.mark.timeout(180)

RESULT_TIMEOUT_MS = 30_000

# Parameters arrive in the URL fragment, which the page server never sees. The page writes one
# JSON document into #result and marks it with data-state, which the test waits for.
PAGE = """<!doctype html>
<html>
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>CORS probe</title></head>
<body>
<pre id="result"></pre>
<script>
"use strict";
const params = new URLSearchParams(location.hash.slice(1));
const API = params.get("api");
const TOKEN = params.get("token");
const FETCH_TIMEOUT_MS = 8000;
let step = "start";

async function call(method, path, body) {
  step = method + " " + path;
  const init = {
    method,
    headers: {Authorization: "Bearer " + TOKEN},
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, init);
  const text = await response.text();
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body: text ? JSON.parse(text) : null,
  };
}

async function allowed() {
  const created = await call("POST", "/api/tasks", {title: "from the browser"});
  const other = await call("POST", "/api/tasks", {title: "patched, then deleted"});
  const patched = await call("PATCH", "/api/tasks/" + other.body.id, {completed: true});
  const deleted = await call("DELETE", "/api/tasks/" + other.body.id);
  const listed = await call("GET", "/api/tasks?limit=1");
  return {created, other, patched, deleted, listed};
}

async function disallowed() {
  let post;
  try {
    const response = await call("POST", "/api/tasks", {title: "from a stranger"});
    post = {threw: false, status: response.status};
  } catch (error) {
    post = {threw: true, name: error.name, message: error.message};
  }
  // An opaque no-cors answer proves the API is reachable from here: the failure above is CORS.
  const probe = await fetch(API + "/healthz", {
    mode: "no-cors",
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  return {post, probe: probe.type};
}

function report(state, payload) {
  const out = document.getElementById("result");
  out.textContent = JSON.stringify(payload);
  out.dataset.state = state;
}

const scenarios = {allowed, disallowed};
(async () => scenarios[params.get("scenario")]())()
  .then((result) => report("done", result))
  .catch((error) => report("error", {step, name: error.name, message: String(error.message || error)}));
</script>
</body>
</html>
"""

# Response headers a cross-origin script may always read, plus those the API exposes.
SAFELISTED = {
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
}
EXPOSED = {"location", "x-total-count", "x-request-id", "etag"}
WEAK_ETAG = re.compile(r'W/"[1-9][0-9]*"')


@dataclass
class Origins:
    allowed: str
    disallowed: str


@dataclass
class PageRun:
    result: dict[str, Any]
    console: list[str]


@pytest.fixture(scope="module")
def origins() -> Iterator[Origins]:
    with static_page_server(PAGE) as allowed, static_page_server(PAGE) as disallowed:
        yield Origins(allowed=allowed, disallowed=disallowed)


@pytest.fixture(scope="module")
def cors_api(
    postgres_url: str, origins: Origins, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    with api_server(
        postgres_url, tmp_path_factory.mktemp("cors-api"), CORS_ORIGINS=origins.allowed
    ) as server:
        yield server


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


def run_page(browser: BrowserContext, origin: str, scenario: str, api: ApiServer, token: str) -> PageRun:
    fragment = urlencode({"api": api.base_url, "token": token, "scenario": scenario})
    console: list[str] = []
    page = browser.new_page()
    try:

        def remember(message: ConsoleMessage) -> None:
            console.append(message.text)

        page.on("console", remember)
        page.goto(f"{origin}/#{fragment}", wait_until="load")
        page.wait_for_selector("#result[data-state]", state="attached", timeout=RESULT_TIMEOUT_MS)
        state = page.get_attribute("#result", "data-state")
        payload = json.loads(page.text_content("#result") or "null")
    finally:
        page.close()
    assert state == "done", f"the page's script failed: {payload}; console: {console}"
    return PageRun(result=payload, console=console)


def visible_headers(response: dict[str, Any]) -> set[str]:
    return set(response["headers"])


def test_an_allowed_origin_can_create_change_delete_and_list_and_read_the_exposed_headers(
    browser: BrowserContext, cors_api: ApiServer, origins: Origins
) -> None:
    user_id = f"user-{uuid.uuid4()}"
    run = run_page(browser, origins.allowed, "allowed", cors_api, cors_api.token(user_id))
    created, other = run.result["created"], run.result["other"]
    patched, deleted, listed = run.result["patched"], run.result["deleted"], run.result["listed"]

    assert created["status"] == 201, created
    assert created["body"]["title"] == "from the browser"
    assert created["headers"].get("location") == f"/api/tasks/{created['body']['id']}"
    assert WEAK_ETAG.fullmatch(created["headers"].get("etag") or ""), created["headers"]

    assert other["status"] == 201, other
    assert patched["status"] == 200, patched
    assert patched["body"]["id"] == other["body"]["id"]
    assert patched["body"]["completed"] is True
    assert deleted["status"] == 204, deleted

    assert listed["status"] == 200, listed
    assert listed["headers"].get("x-total-count") == "1"
    assert listed["headers"].get("x-request-id")
    assert [task["id"] for task in listed["body"]] == [created["body"]["id"]]

    # The browser hides whatever is neither safelisted nor exposed (e.g. Date, Server, Vary).
    for response in (created, patched, deleted, listed):
        assert visible_headers(response) <= SAFELISTED | EXPOSED, response["headers"]

    with cors_api.client(user_id) as client:
        tasks = client.get("/api/tasks").json()
    assert [(task["id"], task["title"], task["completed"]) for task in tasks] == [
        (created["body"]["id"], "from the browser", False)
    ]


def test_a_disallowed_origin_is_refused_by_the_browser_before_anything_is_created(
    browser: BrowserContext, cors_api: ApiServer, origins: Origins
) -> None:
    assert origins.allowed != origins.disallowed
    user_id = f"user-{uuid.uuid4()}"
    run = run_page(browser, origins.disallowed, "disallowed", cors_api, cors_api.token(user_id))

    assert run.result["probe"] == "opaque", run.result
    post = run.result["post"]
    assert post["threw"] is True, post
    assert post["name"] == "TypeError", post
    assert post["message"] == "Failed to fetch", post
    assert any("CORS policy" in line for line in run.console), run.console

    with cors_api.client(user_id) as client:
        listing = client.get("/api/tasks")
    assert listing.status_code == 200
    assert listing.json() == []
    assert listing.headers["X-Total-Count"] == "0"

    preflight = httpx.options(
        f"{cors_api.base_url}/api/tasks",
        headers={
            "Origin": origins.disallowed,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        timeout=10,
    )
    assert "access-control-allow-origin" not in preflight.headers
