"""The schema the migrations build is the one adapters/sql/tables.py declares, on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex

from adapters.sql.engine import normalise_url
from adapters.sql.migrate import comparison_options, upgrade_to_latest
from adapters.sql.tables import ONLY_ON, metadata
from tests.support.postgres import PostgresServer


def _connect(url: str) -> Iterator[Connection]:
    upgrade_to_latest(url)
    engine = sa.create_engine(normalise_url(url, asynchronous=False), poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@pytest.fixture
def postgres_schema(postgres: PostgresServer) -> Iterator[Connection]:
    yield from _connect(postgres.create_database(f"todo_drift_{uuid.uuid4().hex[:12]}"))


@pytest.fixture
def sqlite_schema(tmp_path: Path) -> Iterator[Connection]:
    yield from _connect(f"sqlite:///{tmp_path / 'drift.db'}")


@pytest.fixture(params=["postgres", "sqlite"])
def migrated(request: pytest.FixtureRequest) -> Connection:
    """A fresh database, upgraded to head by the migrations alone."""
    connection: Connection = request.getfixturevalue(f"{request.param}_schema")
    return connection


# SQLAlchemy cannot reflect SQLite's expression indexes, so Alembic skips them and says so;
# test_sqlite_expression_indexes_are_the_declared_ones compares those instead.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_autogenerate_finds_nothing_to_change(migrated: Connection) -> None:
    context = MigrationContext.configure(migrated, opts=comparison_options(migrated.dialect.name))
    assert [diff for diff in compare_metadata(context, metadata) if not _is_tags_backfill(diff)] == []


def _is_tags_backfill(diff: object) -> bool:
    """tasks.tags' default exists only to fill rows from before 0005, and differs per dialect
    ('{}' on PostgreSQL, '[]' on SQLite), which tables.py has no way to declare."""
    if not isinstance(diff, list) or len(diff) != 1:
        return False
    kind, _, table, column, *_ = diff[0]
    return (kind, table, column) == ("modify_default", "tasks", "tags")


def test_postgresql_indexes_have_the_declared_method_include_and_operator_classes(
    postgres_schema: Connection,
) -> None:
    """What Alembic's index comparison leaves out: USING, INCLUDE and operator classes."""
    inspector = sa.inspect(postgres_schema)
    for table in metadata.tables.values():
        reflected = {index["name"]: index["dialect_options"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            declared = index.dialect_options["postgresql"]
            found = reflected[index.name]
            assert found.get("postgresql_using", "btree") == (declared["using"] or "btree"), index.name
            assert found.get("postgresql_include", []) == list(declared["include"] or []), index.name
            assert sorted(found.get("postgresql_ops", {}).values()) == sorted(declared["ops"].values())


def test_sqlite_expression_indexes_are_the_declared_ones(sqlite_schema: Connection) -> None:
    stored = dict(
        sqlite_schema.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all()
    )
    compared = 0
    for table in metadata.tables.values():
        for index in table.indexes:
            if index.info.get(ONLY_ON, "sqlite") != "sqlite" or all(
                isinstance(expression, sa.Column) for expression in index.expressions
            ):
                continue
            declared = str(CreateIndex(index).compile(dialect=sqlite_schema.dialect))
            assert " ".join(stored[index.name].split()) == " ".join(declared.split())
            compared += 1
    assert compared, "tables.py declares no expression index on SQLite any more: drop this test"
