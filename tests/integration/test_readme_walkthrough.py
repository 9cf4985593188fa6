"""The README's curl walkthrough, pasted into bash twice, against a real server."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.api_server import TEST_SECRET, api_server

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_STATUSES = ["200 GET", "200 PATCH", "412 PATCH", "200 PATCH", "204 DELETE", "404 GET"]


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Walkthrough with curl", 1)[1]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "the walkthrough section has no bash block"
    return match.group(1)


@pytest.fixture
def served(sqlite_url: str, tmp_path: Path) -> Iterator[str]:
    with api_server(sqlite_url, tmp_path) as server:
        yield server.base_url


def test_the_walkthrough_works_twice_in_a_row(served: str) -> None:
    # The server already answers, so the block must not start one; the token uses its secret.
    env = {**os.environ, "API": served, "BETTER_AUTH_SECRET": TEST_SECRET}
    for _ in range(2):
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", walkthrough()],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        statuses = [" ".join(line.split()[:2]) for line in done.stdout.splitlines() if line[:3].isdigit()]
        assert statuses == EXPECTED_STATUSES, done.stdout
        assert re.search(r'^link: </api/tasks/\d+>; rel="next"', done.stdout, re.M | re.I), done.stdout
        assert '"user_id":"alice"' in done.stdout
