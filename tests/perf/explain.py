"""EXPLAIN (ANALYZE, BUFFERS) of exactly the SQL the repository sends for a list query.

The statement is captured from SqlTaskRepo.list itself (a before_cursor_execute hook on its
engine, run through EngineRunner, which compiles the same SQL as the PostgreSQL runner) and
explained twice with the same parameters:
- custom: planned for these values, as for the first executions on a connection;
- generic: planned for any values (PREPARE + plan_cache_mode = force_generic_plan). psycopg
  prepares a statement after 5 executions on a connection, and PostgreSQL may then switch to
  the generic plan, so under steady load the server can be running this one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import PoolSettings, create_engine
from adapters.sql.runner import EngineRunner
from adapters.sql.task_reader import SqlTaskReader
from domain.query import TaskQuery

_EXECUTION_TIME = re.compile(r"Execution Time: ([0-9.]+) ms")


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def execution_ms(plan: str) -> float | None:
    match = _EXECUTION_TIME.search(plan)
    return float(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class Explained:
    sql: str
    plan: str
    generic_plan: str


async def _captured_list_statement(engine: AsyncEngine, owner_id: str, query: TaskQuery) -> tuple[str, Any]:
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        runner = EngineRunner(engine, timeout_seconds=30.0, max_connections=1)
        await SqlTaskReader(runner).page(owner_id, query)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    if not captured:
        raise RuntimeError("SqlTaskReader.page sent no statement")
    return captured[-1]


async def explain_list(database_url: str, owner_id: str, query: TaskQuery) -> Explained:
    engine = create_engine(database_url, PoolSettings(size=1, max_overflow=0, timeout_seconds=30.0))
    try:
        statement, parameters = await _captured_list_statement(engine, owner_id, query)
        async with engine.connect() as connection:
            result = await connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = "\n".join(str(row[0]) for row in result)
    finally:
        await engine.dispose()
    return Explained(
        sql=_with_literals(database_url, statement, parameters),
        plan=plan,
        generic_plan=_explain_generic(database_url, statement, parameters),
    )


def _numbered(statement: str, parameters: dict[str, Any]) -> tuple[str, list[Any]]:
    """`%(name)s` placeholders as `$1, $2, ...` (PREPARE's form) and the values in that order."""
    order: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in order:
            order.append(match.group(1))
        return f"${order.index(match.group(1)) + 1}"

    text = _PLACEHOLDER.sub(number, statement).replace("%%", "%")
    return text, [parameters[name] for name in order]


def _explain_generic(database_url: str, statement: str, parameters: dict[str, Any]) -> str:
    text, values = _numbered(statement, parameters)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("PREPARE bench_list AS {}").format(sql.SQL(text)))
        conn.execute("SET plan_cache_mode = force_generic_plan")
        arguments = sql.SQL(", ").join(sql.Literal(value) for value in values)
        rows = conn.execute(sql.SQL("EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_list ({})").format(arguments))
        return "\n".join(str(row[0]) for row in rows)


def _with_literals(database_url: str, statement: str, parameters: Any) -> str:
    """The statement with its parameters inlined, for people to read (psycopg's own quoting)."""
    with psycopg.connect(database_url) as conn:
        return psycopg.ClientCursor(conn).mogrify(statement, parameters)
