"""Property-based fuzzing of every operation with schemathesis, against a real server on a fresh database.

Phases: coverage (boundary and just-out-of-bounds values), fuzzing (random valid and invalid
requests) and stateful (sequences along the links schemathesis infers, e.g. POST a task, then PATCH
it), each with every check: no 5xx, no status, header, content type or body that the OpenAPI
document does not declare, valid data accepted and invalid data rejected.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.sql.migrate import upgrade_to_latest
from tests.support.api_server import ApiServer, api_server
from tests.support.postgres import PostgresServer

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
ROOT = Path(__file__).resolve().parents[2]
FUZZER = "schemathesis-user"
SEEDED_TASKS = 20
EXAMPLES_PER_OPERATION = 50
MIN_CASES_PER_OPERATION = 30
SEED = 20261126
RUN_TIMEOUT_SECONDS = 200
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

# What the contract answers to requests whose fate the schema cannot tell: a well-formed id that names
# no task of the caller's is 404, and an If-Match naming another version (or none that can exist) is
# 412 (RFC 9110 13.1.1), whether the rest of the request was valid or not; a `since` that is a string
# but no cursor of the caller's is 410. Hypothesis deadlines are
# already off (schemathesis runs Hypothesis with deadline=None); --seed makes the run repeatable.
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "404", "410", "412"]

[checks.negative_data_rejection]
expected-statuses = ["401", "404", "412", "413", "422"]
"""

pytestmark = [pytest.mark.timeout(RUN_TIMEOUT_SECONDS + 60)]


@pytest.fixture(scope="module")
def fresh_server(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    database_url = postgres.create_database("todo_schemathesis")
    upgrade_to_latest(database_url)
    with api_server(database_url, tmp_path_factory.mktemp("schemathesis"), migrate=False) as server:
        yield server


def declared_operations(openapi: dict[str, Any]) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, item in openapi["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def run_schemathesis(server: ApiServer, workdir: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    config = workdir / "schemathesis.toml"
    config.write_text(CONFIG)
    report = workdir / "report.json"
    command = [
        SCHEMATHESIS,
        "--config-file", str(config),
        "run", f"{server.base_url}/openapi.json",
        "--checks", "all",
        "--header", f"Authorization: Bearer {server.token(FUZZER)}",
        "--max-examples", str(EXAMPLES_PER_OPERATION),
        "--seed", str(SEED),
        "--generation-database", "none",
        # One worker: CPython 3.11.7's ast.parse is not thread-safe (gh-106905), and Hypothesis parses.
        "--workers", "1",
        "--request-timeout", "10",
        "--report", "json",
        "--report-json-path", str(report),
        "--no-color",
    ]  # fmt: skip
    # A fresh Idempotency-Key in each positive case (see schemathesis_hooks.py).
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.integration.schemathesis_hooks",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        command,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )
    return result, report


def test_every_operation_holds_up_under_fuzzing(fresh_server: ApiServer, tmp_path: Path) -> None:
    with fresh_server.client(FUZZER) as client:
        # Ids 1..N exist on the fresh database, so generated ids reach real tasks, not only 404s.
        for n in range(SEEDED_TASKS):
            assert client.post("/api/tasks", json={"title": f"seed {n}"}).status_code == 201
        operations = declared_operations(client.get("/openapi.json").json())

    result, report_path = run_schemathesis(fresh_server, tmp_path)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]

    report = json.loads(report_path.read_text())
    assert report["complete"] and report["stop_reason"] == "completed"
    assert report["operations"]["tested"] == len(operations) and report["operations"]["errored"] == 0
    phases = {name: phase["status"] for name, phase in report["phases"].items()}
    # "examples" replays the schema's own examples, and it has none yet: skipped, but never failed.
    assert phases["examples"] in {"skip", "success"}, phases
    assert all(phases[name] == "success" for name in ("coverage", "fuzzing", "stateful")), phases
    assert not any(report["warnings"].values()), report["warnings"]  # e.g. a pattern it could not use
    cases = report["test_cases"]
    assert cases["with_failures"] == 0 and cases["errored"] == 0
    assert cases["generated"] >= MIN_CASES_PER_OPERATION * len(operations)
    accepted = {
        operation: sum(phase["accepted"] for phase in rates.values())
        for operation, rates in report["valid_rates"].items()
    }
    assert set(accepted) == operations
    assert all(count > 0 for count in accepted.values()), accepted  # each got past auth into real work
    print(
        f"schemathesis: {cases['generated']} cases over {len(operations)} operations, 0 failures; {accepted}"
    )
