"""The schema as SQLAlchemy Core sees it. Changes to it go through an Alembic migration."""

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import Text as TextType

metadata = MetaData()
# Index.info and Table.info key: the one dialect a migration creates it on (autogenerate skips
# it elsewhere).
ONLY_ON = "only_on"

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
_id_type = BigInteger().with_variant(Integer(), "sqlite")

# The tags as the task spells them, in its order: text[] on PostgreSQL, a JSON array on SQLite.
# Filtering and counting read `task_tags` instead.
TAG_LIST = ARRAY(Text()).with_variant(JSON(), "sqlite")

tasks = Table(
    "tasks",
    metadata,
    Column("id", _id_type, Identity(), primary_key=True),
    Column("user_id", String(255), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=True),
    Column("completed", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    # Migration 0005 (v2). Priority is stored as its urgency: 0 urgent .. 4 none, the sort order.
    Column("priority", SmallInteger, nullable=False, server_default="4"),
    Column("tags", TAG_LIST, nullable=False),
    # The due as given (date, optional wall time, optional zone) and the instant it falls due.
    Column("due_date", Date, nullable=True),
    Column("due_time", Time, nullable=True),
    Column("due_time_zone", String(64), nullable=True),
    Column("due_at", DateTime(timezone=True), nullable=True),
    Column("recurrence", String(200), nullable=True),
    Column("repeat_from", String(10), nullable=False, server_default="due"),
    Column("remind_at", DateTime(timezone=True), nullable=True),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    # No foreign key: deleting either task of a series leaves the other, and this link, alone.
    Column("next_occurrence_id", BigInteger, nullable=True),
    # Never give a deleted task's id to a new one; PostgreSQL's identity never reuses them.
    sqlite_autoincrement=True,
)

# One row per tag of a task, by its lower-case key: what the tag filter and GET /api/tags read.
# `user_id` repeats the task's owner so that one index answers "this user's tasks tagged x".
task_tags = Table(
    "task_tags",
    metadata,
    Column("task_id", BigInteger, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_key", Text, primary_key=True),
    Column("user_id", String(255), nullable=False),
    Column("name", Text, nullable=False),
)

# Each task's JSON as the API sends it, kept by triggers on `tasks` (migration 0007): what the
# hot reads forward (adapters.sql.task_render). PostgreSQL only; SQLite renders in Python.
rendered_tasks = Table(
    "rendered_tasks",
    metadata,
    Column("task_id", BigInteger, primary_key=True, autoincrement=False),
    Column("body", Text, nullable=False),
    info={ONLY_ON: "postgresql"},
)

# Each user's task counts, kept by triggers on `tasks` (migration 0003): X-Total-Count without count(*).
# Every write locks its owner's row here first (adapters.sql.task_repo.LOCK_OWNER).
task_counts = Table(
    "task_counts",
    metadata,
    Column("user_id", String(255), primary_key=True),
    Column("total", BigInteger, nullable=False),
    Column("completed", BigInteger, nullable=False),
    # The number of the owner's last change (migration 0006): taken under this row's lock, by trigger.
    Column("change_seq", BigInteger, nullable=False, server_default="0"),
)

# Each task's last change, one row per task (a deleted one's is its tombstone), kept by triggers
# on `tasks` (migration 0006). `changed_at` is Unix seconds, for purging old tombstones.
task_changes = Table(
    "task_changes",
    metadata,
    Column("task_id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", String(255), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("changed_at", BigInteger, nullable=False),
)
Index("ix_task_changes_user_seq", task_changes.c.user_id, task_changes.c.seq, unique=True)
# What the purge of old tombstones reads.
Index(
    "ix_task_changes_tombstones",
    task_changes.c.changed_at,
    postgresql_where=task_changes.c.deleted,
    sqlite_where=task_changes.c.deleted,
)

# The outcome of each write sent with an Idempotency-Key, written in the write's own transaction.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", String(255), primary_key=True),
    Column("idempotency_key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("headers", Text, nullable=False),  # a JSON array of [name, value] pairs
    Column("body", LargeBinary, nullable=False),
    Column("recorded_at", BigInteger, nullable=False),  # Unix seconds
)
Index("ix_idempotency_keys_recorded", idempotency_keys.c.recorded_at)

# One index per list order; a backward scan serves the descending orders.
Index("ix_tasks_user_created", tasks.c.user_id, tasks.c.created_at, tasks.c.id)
Index("ix_tasks_user_updated", tasks.c.user_id, tasks.c.updated_at, tasks.c.id)
# On PostgreSQL it also carries title itself (migration 0004), so a title order pages from it alone.
Index(
    "ix_tasks_user_title",
    tasks.c.user_id,
    func.lower(tasks.c.title),
    tasks.c.id,
    postgresql_include=["title"],
)
Index("ix_tasks_user_priority", tasks.c.user_id, tasks.c.priority, tasks.c.id)
# sort=due ascending (NULLS LAST is PostgreSQL's default), and status=overdue's count from the
# index alone. sort=-due wants undated tasks last too, which a backward scan cannot give.
Index(
    "ix_tasks_user_due",
    tasks.c.user_id,
    tasks.c.due_at,
    tasks.c.id,
    postgresql_include=["completed"],
)
Index(
    "ix_tasks_user_due_desc",
    tasks.c.user_id,
    tasks.c.due_at.desc().nulls_last(),
    tasks.c.id.desc(),
    info={ONLY_ON: "postgresql"},
)
Index(
    "ix_task_tags_user_key",
    task_tags.c.user_id,
    task_tags.c.tag_key,
    task_tags.c.task_id,
    postgresql_include=["name"],
)


def _trigram_index(column: Column[Any]) -> Index:
    """Behind `q` search (migration 0002): PostgreSQL only, and only where pg_trgm could be created."""
    folded = func.lower(column).label(f"lower_{column.name}")
    return Index(
        f"ix_tasks_{column.name}_trgm",
        folded,
        postgresql_using="gin",
        postgresql_ops={folded.key: "gin_trgm_ops"},
        info={ONLY_ON: "postgresql"},
    )


_trigram_index(tasks.c.title)
_trigram_index(tasks.c.description)


class fold_case(GenericFunction[str]):
    """Case folding for search: lower() on PostgreSQL, a Unicode-aware function on SQLite."""

    type = TextType()
    inherit_cache = True


@compiles(fold_case)
def _fold_case_default(element: fold_case, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(fold_case, "sqlite")
def _fold_case_sqlite(element: fold_case, compiler: Any, **kw: Any) -> str:
    # SQLite's own lower() only knows ASCII; the engine registers this one on every connection.
    return f"{SQLITE_CASEFOLD}({compiler.process(element.clauses, **kw)})"


SQLITE_CASEFOLD = "todo_casefold"
