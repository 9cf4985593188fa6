"""The one composition root: the only module that builds adapters."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.auth.dev_tokens import mint_hs256
from adapters.auth.jwks import JwksKeySource
from adapters.auth.jwt_verifier import ClaimRules, JwtTokenVerifier
from adapters.auth.routing import TokenRouter
from adapters.auth.sessions import SessionTokenVerifier
from adapters.sql.change_feed import SqlChangeFeed
from adapters.sql.engine import PoolSettings, UnsupportedDatabaseUrl, create_engine, normalise_url
from adapters.sql.idempotency import SqlIdempotencyRecords
from adapters.sql.migrate import upgrade_to_latest
from adapters.sql.runner import statement_runner
from adapters.sql.schema_version import SqlSchemaVersion
from adapters.sql.task_reader import SqlTaskReader
from adapters.sql.task_render import SqlTaskRenderer
from adapters.sql.task_repo import SqlTaskRepo
from application.clock import SystemClock
from application.ports import TaskPageRenderer, TaskReader, TokenVerifier
from application.use_cases import (
    CheckReadiness,
    ClearCompleted,
    CompleteAll,
    CountTasks,
    CreateTask,
    DeleteTask,
    EditTask,
    GetRenderedTask,
    GetTask,
    ListChanges,
    ListRenderedTasks,
    ListTags,
    ListTasks,
    PurgeExpired,
    ReplayOutcome,
)
from entrypoints.http.rendering import SerializedTasks
from entrypoints.settings import ConfigurationError, DatabaseSettings, Settings


def _pool_settings(settings: Settings) -> PoolSettings:
    return PoolSettings(
        size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        timeout_seconds=settings.database_timeout_seconds,
        prepared_statements=settings.database_prepared_statements,
    )


def _key_source(settings: Settings) -> JwksKeySource | None:
    return JwksKeySource(settings.jwks_url) if settings.jwks_url else None


def _token_verifier(settings: Settings, key_source: JwksKeySource | None) -> JwtTokenVerifier:
    leeway = settings.jwt_leeway_seconds
    hmac_rules = ClaimRules(issuer=settings.jwt_issuer, audience=settings.jwt_audience, leeway_seconds=leeway)
    # Better Auth's JWT plugin sets iss and aud to its base URL unless told otherwise.
    jwks_rules = ClaimRules(
        issuer=settings.jwt_issuer or settings.better_auth_url,
        audience=settings.jwt_audience or settings.better_auth_url,
        leeway_seconds=leeway,
    )
    return JwtTokenVerifier(
        settings.better_auth_secret.get_secret_value(), hmac_rules, key_source, jwks_rules
    )


# Session lookups are rare (each answer is cached), so a few connections serve a whole worker.
SESSION_LOOKUP_CONNECTIONS = 4


def _session_engine(settings: Settings) -> AsyncEngine | None:
    if settings.better_auth_sessions != "database":
        return None
    pool = PoolSettings(
        size=SESSION_LOOKUP_CONNECTIONS,
        timeout_seconds=settings.database_timeout_seconds,
        prepared_statements=settings.database_prepared_statements,
    )
    variable = "BETTER_AUTH_DATABASE_URL" if settings.better_auth_database_url else "DATABASE_URL"
    with _database_url_checked(variable):
        return create_engine(settings.sessions_database_url, pool)


def _routed_verifier(jwts: JwtTokenVerifier, engine: AsyncEngine | None, settings: Settings) -> TokenVerifier:
    if engine is None:
        return jwts
    sessions = SessionTokenVerifier(
        engine,
        timeout_seconds=settings.database_timeout_seconds,
        max_lookups=SESSION_LOOKUP_CONNECTIONS,
        cache_seconds=settings.better_auth_session_cache_seconds,
    )
    return TokenRouter(jwts, sessions)


def _task_renderer(reader: TaskReader, runner: providers.Provider[Any]) -> TaskPageRenderer:
    """PostgreSQL writes the hot reads' JSON itself; other stores' Tasks go through task_json.

    SQLite keeps the Task path: its rows come back through SQLAlchemy's type processing anyway.
    """
    if isinstance(reader, SqlTaskReader) and runner().dialect == "postgresql":
        return SqlTaskRenderer(runner())
    return SerializedTasks(reader)


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    engine = providers.Singleton(
        lambda settings: create_engine(settings.database_url, _pool_settings(settings)), settings
    )
    statement_runner = providers.Singleton(
        lambda engine, settings: statement_runner(
            engine,
            timeout_seconds=settings.database_timeout_seconds,
            max_connections=settings.database_pool_size + settings.database_max_overflow,
        ),
        engine,
        settings,
    )
    task_repo = providers.Singleton(SqlTaskRepo, statement_runner)
    schema_version = providers.Singleton(
        lambda engine, settings: SqlSchemaVersion(engine, timeout_seconds=settings.database_timeout_seconds),
        engine,
        settings,
    )
    task_reader = providers.Singleton(SqlTaskReader, statement_runner)
    task_renderer = providers.Singleton(_task_renderer, task_reader, statement_runner.provider)
    change_feed = providers.Singleton(SqlChangeFeed, statement_runner)
    idempotency_records = providers.Singleton(SqlIdempotencyRecords, statement_runner)
    key_source = providers.Singleton(_key_source, settings)
    jwt_verifier = providers.Singleton(_token_verifier, settings, key_source)
    session_engine = providers.Singleton(_session_engine, settings)
    token_verifier = providers.Singleton(_routed_verifier, jwt_verifier, session_engine, settings)

    task_limit = settings.provided.max_tasks_per_user

    create_task = providers.Factory(CreateTask, task_repo, clock, task_limit)
    list_tasks = providers.Factory(ListTasks, task_reader, clock)
    get_task = providers.Factory(GetTask, task_reader)
    list_rendered_tasks = providers.Factory(ListRenderedTasks, task_renderer, clock)
    get_rendered_task = providers.Factory(GetRenderedTask, task_renderer)
    # PUT, PATCH and /complete: one use case, one vocabulary of changes.
    edit_task = providers.Factory(EditTask, task_repo, clock, task_limit)
    delete_task = providers.Factory(DeleteTask, task_repo, clock)
    list_tags = providers.Factory(ListTags, task_reader)
    clear_completed = providers.Factory(ClearCompleted, task_repo, clock)
    complete_all = providers.Factory(CompleteAll, task_repo, clock)
    count_tasks = providers.Factory(CountTasks, task_reader, task_limit)
    check_readiness = providers.Factory(CheckReadiness, task_repo, schema_version)
    list_changes = providers.Factory(ListChanges, change_feed, clock)
    replay_outcome = providers.Factory(ReplayOutcome, idempotency_records, clock)
    purge_expired = providers.Factory(PurgeExpired, change_feed, idempotency_records, clock)


def build_container(settings: Settings) -> Container:
    return Container(settings=settings)


async def close_resources(container: Container) -> None:
    """Give pooled connections back to the database on shutdown."""
    await container.engine().dispose()
    key_source = container.key_source()
    if key_source is not None:
        await key_source.aclose()
    session_engine = container.session_engine()
    if session_engine is not None:
        await session_engine.dispose()


def migrate_database(settings: DatabaseSettings) -> None:
    with _database_url_checked():
        upgrade_to_latest(settings.database_url)


def check_database(settings: Settings) -> None:
    """Ask once what /readyz would: raises StorageUnavailable or SchemaOutdated when not ready."""
    with _database_url_checked():
        container = build_container(settings)
        check_readiness = container.check_readiness()
    if settings.better_auth_database_url:  # refused even while sessions are off
        with _database_url_checked("BETTER_AUTH_DATABASE_URL"):
            normalise_url(settings.better_auth_database_url, asynchronous=True)
    container.session_engine()

    async def check() -> None:
        try:
            await check_readiness()
        finally:
            await close_resources(container)

    asyncio.run(check())


@contextmanager
def _database_url_checked(variable: str = "DATABASE_URL") -> Iterator[None]:
    try:
        yield
    except UnsupportedDatabaseUrl as error:
        raise ConfigurationError(f"{variable} {error}") from None


def mint_dev_token(
    settings: Settings, user_id: str, ttl_seconds: int, email: str | None, name: str | None
) -> str:
    return mint_hs256(
        settings.better_auth_secret.get_secret_value(),
        user_id,
        ttl_seconds=ttl_seconds,
        email=email,
        name=name,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
