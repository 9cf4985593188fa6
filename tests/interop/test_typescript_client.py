"""The typed TypeScript client (clients/typescript) drives the real server, as a Next.js app would.

The client is compiled from the committed sources; a Node script calls every helper against the
live server and prints what it saw, which this test checks.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.support.api_server import ApiServer
from tests.support.typescript_client import build_client, drive

# A first run installs the client's node_modules with `npm ci`.
pytestmark = [
    pytest.mark.timeout(900),
    pytest.mark.parametrize("server", ["postgres", "sqlite"], indirect=True),
]

WEAK_ETAG = re.compile(r'W/"[0-9]+"')


@pytest.fixture(scope="module")
def built_client() -> None:
    build_client()


@pytest.fixture(scope="module")
def driver_id() -> str:
    return f"typescript-{uuid.uuid4()}"


@pytest.fixture(scope="module")
def summary(built_client: None, server: ApiServer, driver_id: str) -> dict[str, Any]:
    """One run of the script per backend, for a user of its own; the tests read its summary."""
    return drive(server.base_url, server.token(driver_id))


def test_creates_and_lists_with_filters_and_the_total(summary: dict[str, Any]) -> None:
    assert [step["status"] for step in summary["created"]] == [201, 201, 201]
    assert all(WEAK_ETAG.fullmatch(step["etag"]) for step in summary["created"])
    assert summary["created"][1]["data"]["description"] == "quarterly"
    assert summary["created"][2]["data"]["completed"] is True
    # One task on the page, the total of all that match in X-Total-Count.
    assert summary["pendingByTitle"] == {"status": 200, "total": 2, "titles": ["Buy milk"]}
    assert summary["searched"] == {"status": 200, "total": 1, "titles": ["Write report"]}
    assert summary["completed"] == {"status": 200, "total": 1, "titles": ["Call mum"]}


def test_patch_with_if_match_and_a_stale_etag_as_a_typed_412(summary: dict[str, Any]) -> None:
    fetched, renamed, stale = summary["fetched"], summary["renamed"], summary["stale"]

    assert fetched["status"] == 200 and fetched["data"]["title"] == "Buy milk"
    assert renamed["status"] == 200 and renamed["data"]["title"] == "Buy oat milk"
    assert renamed["etag"] != fetched["etag"]
    assert stale["ok"] is False and stale["status"] == 412
    assert stale["problem"]["status"] == 412
    assert stale["problem"]["type"] == "/problems/precondition-failed"
    assert summary["staleAction"] == "reload"
    # The stale write changed nothing.
    assert summary["afterStale"]["data"]["title"] == "Buy oat milk"
    assert summary["afterStale"]["etag"] == renamed["etag"]


def test_completion_toggles_without_a_body_and_is_set_with_one(summary: dict[str, Any]) -> None:
    steps = ("toggled", "toggledBack", "keptPending", "setDone")

    assert [summary[step]["status"] for step in steps] == [200, 200, 200, 200]
    assert [summary[step]["data"]["completed"] for step in steps] == [True, False, False, True]


def test_delete_then_get_is_a_404_problem(summary: dict[str, Any]) -> None:
    assert summary["deleted"] == {"ok": True, "status": 204, "etag": None, "data": None}
    assert summary["afterDelete"]["status"] == 404
    assert summary["afterDelete"]["problem"]["status"] == 404


def test_errors_arrive_as_problems_and_the_token_comes_from_the_client(
    summary: dict[str, Any], driver_id: str
) -> None:
    invalid, anonymous = summary["invalid"], summary["anonymous"]

    assert invalid["status"] == 422
    assert invalid["problem"]["errors"][0]["loc"] == ["body", "title"]
    assert anonymous["status"] == 401 and anonymous["problem"]["status"] == 401
    me = summary["me"]
    assert me["status"] == 200
    assert {key: me["data"][key] for key in ("user_id", "email", "name")} == {
        "user_id": driver_id,
        "email": None,
        "name": None,
    }
    assert me["data"]["tasks"] == {"total": 4, "completed": 3, "limit": 10000}


def test_v2_fields_filters_and_a_recurring_completion(summary: dict[str, Any]) -> None:
    created = summary["v2created"]
    assert created["status"] == 201
    assert created["data"]["priority"] == "high"
    assert created["data"]["tags"] == ["work", "Meetings"]
    assert created["data"]["due"] == {
        "date": "2026-12-07",
        "time": "09:30",
        "time_zone": "Europe/Berlin",
        "at": "2026-12-07T08:30:00.000Z",
    }
    assert summary["byTagAndPriority"] == {"status": 200, "total": 1, "titles": ["Team sync"]}
    completed = summary["v2completed"]["data"]
    assert completed["completed"] is True and completed["due"]["date"] == "2026-12-07"
    upcoming = summary["nextOccurrence"]["data"]
    assert upcoming["id"] == completed["next_occurrence_id"]
    assert upcoming["due"]["date"] == "2026-12-14" and upcoming["due"]["time"] == "09:30"
    assert (upcoming["completed"], upcoming["recurrence"]) == (False, "FREQ=WEEKLY;BYDAY=MO")
