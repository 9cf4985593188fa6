"""Let the title order page from the index alone (PostgreSQL only).

The title index is on lower(title), and PostgreSQL only answers from an index when the column
the expression reads is in it too: with `title` included, a deep `sort=title` page skips index
entries instead of reading every skipped row. SQLite keeps the index as it was.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_tasks_user_title")
    op.execute("CREATE INDEX ix_tasks_user_title ON tasks (user_id, lower(title), id) INCLUDE (title)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_tasks_user_title")
    op.execute("CREATE INDEX ix_tasks_user_title ON tasks (user_id, lower(title), id)")
