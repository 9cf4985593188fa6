"""Runs the Alembic migrations against DATABASE_URL, without needing an alembic.ini."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import column, inspect, select, table
from sqlalchemy.engine import Connection

from adapters.sql.engine import CONNECT_TIMEOUT_SECONDS, ensure_sqlite_directory, is_sqlite, normalise_url
from adapters.sql.outages import UNAVAILABLE, storage_unavailable
from adapters.sql.tables import ONLY_ON

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps


def alembic_config(raw_url: str) -> Config:
    url = normalise_url(raw_url, asynchronous=False)
    ensure_sqlite_directory(url)
    if not is_sqlite(url) and "connect_timeout" not in url.query:
        # libpq waits for a silent host as long as TCP does, minutes; say it is not there sooner.
        url = url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_SECONDS)})
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Percent signs in passwords would otherwise be read as interpolation.
    config.set_main_option("sqlalchemy.url", url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade_to_latest(raw_url: str) -> None:
    """Raises StorageUnavailable, with the host and the driver's words, when the database is not there."""
    config = alembic_config(raw_url)
    try:
        command.upgrade(config, "head")
    except UNAVAILABLE as error:
        raise storage_unavailable(normalise_url(raw_url, asynchronous=False), error) from error


def latest_revisions() -> frozenset[str]:
    """The newest migration (or migrations, on a branch) this code ships."""
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def applied_revisions(connection: Connection) -> frozenset[str]:
    """What the database's alembic_version says; empty when it was never migrated."""
    # Read directly: MigrationContext would log two INFO lines on every readiness probe.
    if not inspect(connection).has_table(VERSION_TABLE):
        return frozenset()
    versions = table(VERSION_TABLE, column("version_num"))
    return frozenset(connection.execute(select(versions.c.version_num)).scalars())


def comparison_options(dialect_name: str) -> dict[str, Any]:
    """How autogenerate (and the drift test) compares tables.py with a migrated database."""

    def include_object(item: Any, _name: Any, type_: str, reflected: bool, _compare_to: Any) -> bool:
        # An index or table declared for one dialect only (tables.py's ONLY_ON) is not missing on the others.
        only_on = item.info.get(ONLY_ON) if type_ in ("index", "table") and not reflected else None
        return only_on is None or only_on == dialect_name

    # Not on SQLite, which has no identity columns (INTEGER PRIMARY KEY AUTOINCREMENT is its
    # spelling) and which Alembic would report as a changed default: PostgreSQL compares them.
    return {"include_object": include_object, "compare_server_default": dialect_name != "sqlite"}
