"""The changes feed (`task_changes`, `task_counts.change_seq`) and stored outcomes (`idempotency_keys`).

Every insert, update and delete of a task takes the next number of its owner's `change_seq` and
upserts the task's one row in `task_changes` with it (a delete leaves a tombstone), in a trigger:
so every write path is covered, the bulk routes' one-statement changes included. The number is
taken by an UPDATE of the owner's `task_counts` row, which holds that row's lock until commit; a
second transaction of the same owner waits there for the first to commit. So one owner's numbers
commit in the order they are taken, which a global sequence would not give (README: "Sync and
retries").

`changed_at` and `recorded_at` are Unix seconds, the same on both databases; tombstones older
than 31 days and outcomes older than 24 hours are purged (PurgeExpired, at start-up and hourly).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_POSTGRESQL = [
    """
    CREATE FUNCTION record_task_change() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        row_ tasks%ROWTYPE;
        position bigint;
    BEGIN
        IF TG_OP = 'DELETE' THEN row_ := OLD; ELSE row_ := NEW; END IF;
        -- Takes (or waits for) the owner's row lock; it is held until commit.
        INSERT INTO task_counts AS c (user_id, total, completed, change_seq)
        VALUES (row_.user_id, 0, 0, 1)
        ON CONFLICT (user_id) DO UPDATE SET change_seq = c.change_seq + 1
        RETURNING c.change_seq INTO position;
        INSERT INTO task_changes (task_id, user_id, seq, deleted, changed_at)
        VALUES (row_.id, row_.user_id, position, TG_OP = 'DELETE', extract(epoch FROM now())::bigint)
        ON CONFLICT (task_id) DO UPDATE
        SET seq = excluded.seq, deleted = excluded.deleted, changed_at = excluded.changed_at;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tasks_change AFTER INSERT OR UPDATE OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION record_task_change()
    """,
]


def _sqlite_trigger(event: str, row: str, deleted: int) -> str:
    # SQLite serialises writers (BEGIN IMMEDIATE): the order numbers are taken in is commit order.
    return f"""
    CREATE TRIGGER tasks_change_{event.lower()} AFTER {event} ON tasks BEGIN
        INSERT INTO task_counts (user_id, total, completed, change_seq) VALUES ({row}.user_id, 0, 0, 0)
        ON CONFLICT (user_id) DO NOTHING;
        UPDATE task_counts SET change_seq = change_seq + 1 WHERE user_id = {row}.user_id;
        INSERT INTO task_changes (task_id, user_id, seq, deleted, changed_at)
        VALUES ({row}.id, {row}.user_id,
                (SELECT change_seq FROM task_counts WHERE user_id = {row}.user_id), {deleted}, unixepoch())
        ON CONFLICT (task_id) DO UPDATE
        SET seq = excluded.seq, deleted = excluded.deleted, changed_at = excluded.changed_at;
    END
    """  # noqa: S608 (built from the constants below only)


_SQLITE = [
    _sqlite_trigger("INSERT", "NEW", 0),
    _sqlite_trigger("UPDATE", "NEW", 0),
    _sqlite_trigger("DELETE", "OLD", 1),
]

# Today's tasks enter the feed in id order, numbered from 1 per owner.
_BACKFILL_CHANGES = """
INSERT INTO task_changes (task_id, user_id, seq, deleted, changed_at)
SELECT id, user_id, row_number() OVER (PARTITION BY user_id ORDER BY id), {false}, {now} FROM tasks
"""
_BACKFILL_SEQ = """
UPDATE task_counts SET change_seq = (SELECT count(*) FROM tasks WHERE tasks.user_id = task_counts.user_id)
"""


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.add_column("task_counts", sa.Column("change_seq", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "task_changes",
        # One row per task, ever: ids are never reused, so it is the key.
        sa.Column("task_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_task_changes_user_seq", "task_changes", ["user_id", "seq"], unique=True)
    op.create_index(
        "ix_task_changes_tombstones",
        "task_changes",
        ["changed_at"],
        postgresql_where=sa.text("deleted"),
        sqlite_where=sa.text("deleted"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("idempotency_key", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_idempotency_keys_recorded", "idempotency_keys", ["recorded_at"])
    # Triggers first, then the backfill, in one transaction: no write falls between the two.
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)
    now = "extract(epoch FROM now())::bigint" if postgresql else "unixepoch()"
    op.execute(_BACKFILL_CHANGES.format(false="false" if postgresql else "0", now=now))
    op.execute(_BACKFILL_SEQ)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER tasks_change ON tasks")
        op.execute("DROP FUNCTION record_task_change()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER tasks_change_{event}")
    op.drop_table("idempotency_keys")
    op.drop_table("task_changes")
    op.drop_column("task_counts", "change_seq")
