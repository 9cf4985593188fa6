"""Bulk data for tests.perf.scale, written by PostgreSQL itself (INSERT ... SELECT generate_series)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from psycopg import sql

HEAVY_USER = "heavy-user"
SEARCH_WORD = "quarterly"  # in 1% of titles; md5 hex and the other words cannot contain it
# Two letters: no trigram to look up. In ~3.5% of the titles (their md5 hex part).
SHORT_SEARCH = "ab"

_SECONDARY_INDEXES = """
SELECT c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid IN ('tasks'::regclass, 'task_tags'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
ORDER BY c.relname
"""

# Row i belongs to the heavy user when i is a multiple of `stride`, so the heavy user's rows are
# spread through the table as they would be in a shared database; the rest go round-robin to
# the other users. Rows whose block (i / stride) ends in 37 mention SEARCH_WORD: 1% of everyone's.
# v2 fields as `make bench` seeds them: every priority, 0-3 tags, a due on half the rows (all-day
# in UTC, or timed in a zone; `due_at` is what the API would compute), completed_at when completed.
_INSERT = """
INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at, version,
                   priority, tags, due_date, due_time, due_time_zone, due_at, completed_at)
SELECT
    CASE WHEN i %% %(stride)s = 0 THEN %(heavy)s
         ELSE 'user-' || lpad(((i %% %(others)s) + 1)::text, 6, '0') END,
    (ARRAY['Buy', 'Call', 'Write', 'Fix', 'Plan', 'Read', 'Send', 'Clean', 'Book', 'Pay'])
        [1 + (i + i / %(stride)s) %% 10]
        || ' ' || substr(md5(i::text), 1, 10)
        || CASE WHEN (i / %(stride)s) %% 100 = 37 THEN ' ' || %(word)s || ' report' ELSE '' END,
    CASE WHEN (i / %(stride)s) %% 2 = 0 THEN NULL ELSE 'Notes for item ' || i END,
    i %% 3 = 0,
    timestamptz '2025-01-01 00:00:00+00' + i * interval '10 seconds',
    timestamptz '2025-01-01 00:00:00+00' + i * interval '10 seconds',
    1,
    ((i * 7) %% 5)::smallint,
    (ARRAY['work', 'home', 'errands', 'Reading', 'urgent-ish', 'health', 'q4'])
        [1 + i %% 7 : (i %% 7) + (i %% 4)],
    due.day,
    due.wall,
    due.zone,
    CASE WHEN due.wall IS NULL THEN (due.day + 1)::timestamp AT TIME ZONE 'UTC'
         ELSE (due.day + due.wall) AT TIME ZONE due.zone END,
    CASE WHEN i %% 3 = 0 THEN timestamptz '2025-01-01 00:00:00+00' + i * interval '10 seconds' END
FROM generate_series(1, %(total)s) AS i,
LATERAL (
    SELECT CASE WHEN i %% 2 = 0 THEN date '2025-01-01' + (i %% 730) END AS day,
           CASE WHEN i %% 6 = 0 THEN time '08:30' + (i %% 10) * interval '1 hour' END AS wall,
           CASE WHEN i %% 6 = 0
                THEN (ARRAY['Europe/Berlin', 'America/New_York', 'Asia/Tokyo'])[1 + i %% 3] END AS zone
) AS due
"""

# One task_tags row per tag, by its lower-case key, as the repository writes them.
_TAG_ROWS = """
INSERT INTO task_tags (task_id, tag_key, user_id, name)
SELECT id, lower(tag), user_id, tag FROM tasks, unnest(tags) AS tag
"""


_TAG_FOREIGN_KEYS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'task_tags'::regclass AND contype = 'f'
"""

# The per-row triggers that keep task_counts are off during the bulk load; this recounts once.
_RECOUNT = """
INSERT INTO task_counts (user_id, total, completed)
SELECT user_id, count(*), count(*) FILTER (WHERE completed) FROM tasks GROUP BY user_id
ON CONFLICT (user_id) DO UPDATE SET total = excluded.total, completed = excluded.completed
"""


# And the rendered_tasks triggers (migration 0007): each task's JSON, rendered once.
_RENDER = "INSERT INTO rendered_tasks (task_id, body) SELECT t.id, render_task(t) FROM tasks AS t"


@dataclass(frozen=True, slots=True)
class ScalePlan:
    total_tasks: int
    heavy_tasks: int
    users: int

    @classmethod
    def for_factor(cls, factor: float) -> ScalePlan:
        heavy = max(100, round(100_000 * factor))
        return cls(total_tasks=max(heavy * 2, round(2_000_000 * factor)), heavy_tasks=heavy,
                   users=max(2, round(20_000 * factor)))  # fmt: skip

    @property
    def stride(self) -> int:
        return self.total_tasks // self.heavy_tasks

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def seed(database_url: str, plan: ScalePlan, progress: Callable[[str], None]) -> dict[str, float]:
    """Fill `tasks`; secondary indexes are dropped during the load and rebuilt from their definitions."""
    timings: dict[str, float] = {}
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        indexes = conn.execute(_SECONDARY_INDEXES).fetchall()
        for name, _ in indexes:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))

        started = time.perf_counter()
        params = {
            "stride": plan.stride,
            "heavy": HEAVY_USER,
            "others": plan.users - 1,
            "word": SEARCH_WORD,
            "total": plan.total_tasks,
        }
        conn.execute("ALTER TABLE tasks DISABLE TRIGGER USER")
        conn.execute(_INSERT, params)
        # The foreign key is checked once, when it is added back, instead of row by row.
        keys = conn.execute(_TAG_FOREIGN_KEYS).fetchall()
        for name, _ in keys:
            conn.execute(sql.SQL("ALTER TABLE task_tags DROP CONSTRAINT {}").format(sql.Identifier(name)))
        conn.execute(_TAG_ROWS)
        for name, definition in keys:
            conn.execute(
                sql.SQL("ALTER TABLE task_tags ADD CONSTRAINT {} {}").format(
                    sql.Identifier(name), sql.SQL(definition)
                )
            )
        conn.execute("ALTER TABLE tasks ENABLE TRIGGER USER")
        conn.execute(_RECOUNT)
        conn.execute(_RENDER)
        timings["insert_s"] = round(time.perf_counter() - started, 1)
        progress(f"inserted {plan.total_tasks:,} tasks in {timings['insert_s']} s")

        started = time.perf_counter()
        for _, definition in indexes:
            conn.execute(definition)
        timings["indexes_s"] = round(time.perf_counter() - started, 1)
        progress(f"rebuilt {len(indexes)} indexes in {timings['indexes_s']} s")

        started = time.perf_counter()
        conn.execute("VACUUM (ANALYZE) tasks")
        conn.execute("VACUUM (ANALYZE) task_tags")
        conn.execute("VACUUM (ANALYZE) rendered_tasks")
        timings["vacuum_analyze_s"] = round(time.perf_counter() - started, 1)
        progress(f"VACUUM (ANALYZE) in {timings['vacuum_analyze_s']} s")
    return timings


def database_facts(database_url: str) -> dict[str, str]:
    """Sizes and the memory settings that decide whether the heavy user's rows stay cached."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT pg_size_pretty(pg_relation_size('tasks')), pg_size_pretty(pg_indexes_size('tasks')),"
            " current_setting('shared_buffers'), current_setting('work_mem'),"
            " current_setting('effective_cache_size'), current_setting('plan_cache_mode')"
        ).fetchone()
    names = (
        "table_size",
        "indexes_size",
        "shared_buffers",
        "work_mem",
        "effective_cache_size",
        "plan_cache_mode",
    )
    return dict(zip(names, map(str, row or ()), strict=False))
