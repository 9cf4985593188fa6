"""PostgreSQL keeps each task's API JSON in `rendered_tasks`, written by triggers on `tasks`.

GET /api/tasks forwards these bytes: a page is one ordered string_agg of its tasks' bodies, looked
up by the ids its index scan found. A search, and GET /api/tasks/{id}, call render_task on the rows
they read anyway. Rendering every task on every read cost PostgreSQL 0.07 ms more CPU per
20-task page than reading stored text (pgbench, prepared, one client, make bench's data: 0.17
against 0.10 ms; `SELECT 1` is 0.06).
A table of its own, not a column of `tasks`: a generated column made each `tasks` row three times
larger, and the searches of make bench-scale, which read the matching rows, twice as slow.

`render_task` writes what the API's Task path writes (entrypoints/http/rendering.py), byte for
byte: the field order, times as `2026-01-01T10:00:00.000Z`, the `due` object, compact
separators, and strings through to_json, whose escapes are orjson's; tests/api/test_fast_reads.py
compares the two. Statement triggers keep the table, so a bulk route's one statement renders its
thousands of tasks in one pass. A change to the JSON is a new migration that replaces
`render_task` and renders every task again.

SQLite renders in Python, as before, and has no such table.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Priority is stored as its urgency, 0 (urgent) to 4 (none).
_UPGRADE = [
    """
    CREATE TABLE rendered_tasks (task_id bigint PRIMARY KEY, body text NOT NULL)
    """,
    """
    CREATE FUNCTION render_task(t tasks) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT '{"id":' || t.id::text
    || ',"title":' || to_json(t.title)::text
    || ',"description":' || coalesce(to_json(t.description)::text, 'null')
    || ',"completed":' || CASE WHEN t.completed THEN 'true' ELSE 'false' END
    || ',"priority":"' || (ARRAY['urgent', 'high', 'medium', 'low', 'none'])[t.priority + 1] || '"'
    || ',"tags":' || array_to_json(t.tags)::text
    || ',"due":' || CASE WHEN t.due_date IS NULL THEN 'null' ELSE
        '{"date":"' || to_char(t.due_date, 'YYYY-MM-DD') || '"'
        || coalesce(',"time":"' || left(t.due_time::text, 5) || '"', '')
        || coalesce(',"time_zone":' || to_json(t.due_time_zone)::text, '')
        || ',"at":"' || to_char(t.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"}'
        END
    || ',"recurrence":' || coalesce(to_json(t.recurrence)::text, 'null')
    || ',"repeat_from":' || to_json(t.repeat_from)::text
    || ',"remind_at":' || coalesce(
        '"' || to_char(t.remind_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"completed_at":' || coalesce(
        '"' || to_char(t.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"next_occurrence_id":' || coalesce(t.next_occurrence_id::text, 'null')
    || ',"created_at":"' || to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"'
    || ',"updated_at":"' || to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"'
    || '}'
    $$
    """,
    """
    CREATE FUNCTION render_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO rendered_tasks (task_id, body)
        SELECT t.id, render_task(t) FROM new_rows AS t
        ON CONFLICT (task_id) DO UPDATE SET body = excluded.body;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION forget_rendered_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM rendered_tasks AS r USING old_rows AS t WHERE r.task_id = t.id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tasks_render_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION render_tasks()
    """,
    """
    CREATE TRIGGER tasks_render_update AFTER UPDATE ON tasks REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION render_tasks()
    """,
    """
    CREATE TRIGGER tasks_render_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION forget_rendered_tasks()
    """,
    "INSERT INTO rendered_tasks (task_id, body) SELECT t.id, render_task(t) FROM tasks AS t",
]

_DOWNGRADE = [
    "DROP TRIGGER tasks_render_delete ON tasks",
    "DROP TRIGGER tasks_render_update ON tasks",
    "DROP TRIGGER tasks_render_insert ON tasks",
    "DROP FUNCTION forget_rendered_tasks()",
    "DROP FUNCTION render_tasks()",
    "DROP FUNCTION render_task(tasks)",
    "DROP TABLE rendered_tasks",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _DOWNGRADE:
            op.execute(statement)
