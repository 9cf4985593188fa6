"""Trigram indexes so that `q` search does not read every one of a user's tasks (PostgreSQL only).

pg_trgm is a trusted extension (PostgreSQL 13+), so a database owner may create it; Neon allows it.
Where it cannot be created, search still works, only without these indexes.

Revision ID: 0002
Revises: 0001
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
SEARCHED_COLUMNS = ("title", "description")


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    try:
        with connection.begin_nested():
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as error:
        log.warning("pg_trgm is not available (%s); search works without its indexes", error.orig)
        return
    for column in SEARCHED_COLUMNS:
        index = f"ix_tasks_{column}_trgm"
        op.execute(f"CREATE INDEX IF NOT EXISTS {index} ON tasks USING gin (lower({column}) gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in SEARCHED_COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_tasks_{column}_trgm")
