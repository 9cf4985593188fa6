"""Task model v2: priority, tags, due, recurrence, reminder, completion time, the series link.

Every v1 task keeps its data and reads with the v2 defaults: priority none (4), no tags, no due,
no recurrence, no reminder, repeat_from due. A task already completed gets `completed_at` =
its `updated_at`, the last time it changed, which for most completed tasks is their completion.

Tags are stored twice, both written by the repository in the same transaction: `tasks.tags`
keeps the spellings in the task's order (for reading a task), `task_tags` has one row per tag
by its lower-case key (for the tag filter and GET /api/tags, from one index).

On PostgreSQL the task_counts triggers of 0003 become statement triggers: the bulk routes change
thousands of one owner's tasks in one statement, and a row trigger updated that owner's counts
row once per task, each time past every version the transaction had already left behind:
completing 66,667 tasks took 30 s, of which 25 s were the trigger. A statement trigger adds up
the statement's rows (its transition tables) and updates each owner's row once.

`ix_tasks_user_due_desc` (PostgreSQL only) serves sort=-due with undated tasks last: a backward
scan of ix_tasks_user_due would put them first. It is not declared in tables.py.

Revision ID: 0005
Revises: 0004
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COLUMNS: list[sa.Column[Any]] = [
    sa.Column("priority", sa.SmallInteger(), nullable=False, server_default="4"),
    sa.Column("due_date", sa.Date(), nullable=True),
    sa.Column("due_time", sa.Time(), nullable=True),
    sa.Column("due_time_zone", sa.String(64), nullable=True),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("recurrence", sa.String(200), nullable=True),
    sa.Column("repeat_from", sa.String(10), nullable=False, server_default="due"),
    sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("next_occurrence_id", sa.BigInteger(), nullable=True),
]


def _tags_column(dialect: str) -> sa.Column[Any]:
    if dialect == "postgresql":
        return sa.Column("tags", postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}")
    return sa.Column("tags", sa.JSON(), nullable=False, server_default="[]")


_STATEMENT_COUNTS = [
    """
    CREATE FUNCTION count_inserted_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO task_counts AS c (user_id, total, completed)
        SELECT user_id, count(*), count(*) FILTER (WHERE completed) FROM inserted GROUP BY user_id
        ON CONFLICT (user_id)
        DO UPDATE SET total = c.total + excluded.total, completed = c.completed + excluded.completed;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION count_deleted_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE task_counts AS c SET total = c.total - gone.total, completed = c.completed - gone.completed
        FROM (SELECT user_id, count(*) AS total, count(*) FILTER (WHERE completed) AS completed
              FROM deleted GROUP BY user_id) AS gone
        WHERE c.user_id = gone.user_id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION count_completed_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- Completed after minus completed before, per owner: no join of the two tables, whose
        -- missing statistics once made it a nested loop of 66,667 x 66,667 rows.
        UPDATE task_counts AS c SET completed = c.completed + changed.delta
        FROM (SELECT user_id, sum(delta) AS delta
              FROM (SELECT user_id, completed::int AS delta FROM new_rows
                    UNION ALL
                    SELECT user_id, -completed::int FROM old_rows) AS both_sides
              GROUP BY user_id) AS changed
        WHERE c.user_id = changed.user_id AND changed.delta <> 0;
        RETURN NULL;
    END
    $$
    """,
    # Transition tables cannot go with a column list (UPDATE OF completed): every UPDATE fires it.
    """
    CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_tasks()
    """,
    """
    CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION count_deleted_tasks()
    """,
    """
    CREATE TRIGGER tasks_count_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_completed_tasks()
    """,
]

# Migration 0003's row trigger, as the downgrade puts it back.
_ROW_COUNTS = [
    """
    CREATE FUNCTION count_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO task_counts AS c (user_id, total, completed)
            VALUES (NEW.user_id, 1, NEW.completed::int)
            ON CONFLICT (user_id)
            DO UPDATE SET total = c.total + 1, completed = c.completed + NEW.completed::int;
        ELSIF TG_OP = 'DELETE' THEN
            UPDATE task_counts SET total = total - 1, completed = completed - OLD.completed::int
            WHERE user_id = OLD.user_id;
        ELSIF NEW.completed IS DISTINCT FROM OLD.completed THEN
            UPDATE task_counts SET completed = completed + CASE WHEN NEW.completed THEN 1 ELSE -1 END
            WHERE user_id = NEW.user_id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tasks_count AFTER INSERT OR DELETE OR UPDATE OF completed ON tasks
    FOR EACH ROW EXECUTE FUNCTION count_tasks()
    """,
]
_STATEMENT_COUNT_NAMES = ("insert", "delete", "update")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # Swapped in one transaction: no write falls between the two.
        op.execute("DROP TRIGGER tasks_count ON tasks")
        op.execute("DROP FUNCTION count_tasks()")
        for statement in _STATEMENT_COUNTS:
            op.execute(statement)
    for column in [*_COLUMNS, _tags_column(dialect)]:
        op.add_column("tasks", column)
    op.execute("UPDATE tasks SET completed_at = updated_at WHERE completed")
    op.create_table(
        "task_tags",
        sa.Column(
            "task_id",
            sa.BigInteger(),
            sa.ForeignKey("tasks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag_key", sa.Text(), primary_key=True),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
    )
    op.create_index(
        "ix_task_tags_user_key",
        "task_tags",
        ["user_id", "tag_key", "task_id"],
        postgresql_include=["name"],
    )
    op.create_index("ix_tasks_user_priority", "tasks", ["user_id", "priority", "id"])
    op.create_index(
        "ix_tasks_user_due", "tasks", ["user_id", "due_at", "id"], postgresql_include=["completed"]
    )
    if dialect == "postgresql":
        op.execute("CREATE INDEX ix_tasks_user_due_desc ON tasks (user_id, due_at DESC NULLS LAST, id DESC)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_tasks_user_due_desc")
        for name in _STATEMENT_COUNT_NAMES:
            op.execute(f"DROP TRIGGER tasks_count_{name} ON tasks")
        for function in ("count_inserted_tasks", "count_deleted_tasks", "count_completed_tasks"):
            op.execute(f"DROP FUNCTION {function}()")
        for statement in _ROW_COUNTS:
            op.execute(statement)
    op.drop_index("ix_tasks_user_due", "tasks")
    op.drop_index("ix_tasks_user_priority", "tasks")
    op.drop_table("task_tags")
    for name in ("tags", *(column.name for column in reversed(_COLUMNS))):
        op.drop_column("tasks", name)
