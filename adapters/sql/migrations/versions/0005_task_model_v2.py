"""Task model v2: priority, tags, due, recurrence, reminder, completion time, the series link.

Every v1 task keeps its data and reads with the v2 defaults: priority none (4), no tags, no due,
no recurrence, no reminder, repeat_from due. A task already completed gets `completed_at` =
its `updated_at`, the last time it changed, which for most completed tasks is their completion.

Tags are stored twice, both written by the repository in the same transaction: `tasks.tags`
keeps the spellings in the task's order (for reading a task), `task_tags` has one row per tag
by its lower-case key (for the tag filter and GET /api/tags, from one index).

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


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
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
    op.drop_index("ix_tasks_user_due", "tasks")
    op.drop_index("ix_tasks_user_priority", "tasks")
    op.drop_table("task_tags")
    for name in ("tags", *(column.name for column in reversed(_COLUMNS))):
        op.drop_column("tasks", name)
