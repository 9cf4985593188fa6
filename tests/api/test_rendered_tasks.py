"""PostgreSQL's stored JSON (rendered_tasks, migration 0007): a task missing from it is still served.

Rows loaded with the triggers off (a bulk import, `session_replication_role = replica`) have no
stored JSON; the hot reads render those on the spot instead of leaving them out of the page.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import psycopg

from tests.api.test_fast_reads import TASKS
from tests.support.api_server import api_server


def test_a_task_without_stored_json_is_rendered_on_the_spot(postgres_url: str, tmp_path: Path) -> None:
    user_id = f"unrendered-{uuid.uuid4()}"
    for way in ("fast", "slow"):
        (tmp_path / way).mkdir()
    with (
        api_server(postgres_url, tmp_path / "fast") as fast,
        api_server(postgres_url, tmp_path / "slow", FAST_READS="false") as slow,
    ):
        with fast.client(user_id) as client:
            ids = [client.post("/api/tasks", json=body).json()["id"] for body in TASKS[:5]]
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            deleted = connection.execute(
                "DELETE FROM rendered_tasks WHERE task_id = ANY(%s)", (ids[1::2],)
            ).rowcount
        assert deleted == 2
        headers = {"Authorization": f"Bearer {fast.token(user_id)}"}
        pages = ["", "?sort=title", "?tag=work", "?limit=2&offset=1", "?priority=high", "?tag=none", "?q=ab"]
        targets = [*(f"/api/tasks{page}" for page in pages), *(f"/api/tasks/{task_id}" for task_id in ids)]
        for target in targets:
            answers = [
                httpx.get(server.base_url + target, headers={**headers, "X-Request-ID": "same"}, timeout=10)
                for server in (fast, slow)
            ]
            assert answers[0].status_code == answers[1].status_code == 200, answers[0].text
            assert answers[0].content == answers[1].content
        listed = httpx.get(f"{fast.base_url}/api/tasks", headers=headers, timeout=10).json()
        assert sorted(task["id"] for task in listed) == sorted(ids)
