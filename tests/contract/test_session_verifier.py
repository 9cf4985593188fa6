"""Better Auth session tokens, looked up in its own tables on a real SQLite file and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.auth.sessions import UNKNOWN_SESSION, SessionTokenVerifier
from adapters.sql.engine import PoolSettings, create_engine
from application.errors import AuthenticationFailed, StorageUnavailable
from domain.identity import Principal
from tests.support.better_auth_tables import BetterAuthTables, session_token
from tests.support.net import free_port
from tests.support.postgres import PostgresServer

CACHE_SECONDS = 1.0


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database holding Better Auth's tables and nothing of ours."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('better-auth') / 'auth.db'}"
    postgres: PostgresServer = request.getfixturevalue("postgres")
    return postgres.create_database(f"auth_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="module")
def tables(database_url: str) -> Iterator[BetterAuthTables]:
    created = BetterAuthTables(database_url).create()
    yield created
    created.dispose()


class Queries:
    """Counts the statements the verifier sends, from SQLAlchemy's own cursor events."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sent: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        self.sent.append(args[2])

    @property
    def count(self) -> int:
        return len(self.sent)


@pytest.fixture
async def engine(database_url: str, tables: BetterAuthTables) -> AsyncIterator[AsyncEngine]:
    built = create_engine(database_url, PoolSettings(size=10, timeout_seconds=4.0))
    yield built
    await built.dispose()


@pytest.fixture
def queries(engine: AsyncEngine) -> Queries:
    return Queries(engine)


@pytest.fixture
def verifier(engine: AsyncEngine) -> SessionTokenVerifier:
    return SessionTokenVerifier(engine, cache_seconds=CACHE_SECONDS)


async def test_a_live_session_is_its_user(tables: BetterAuthTables, verifier: SessionTokenVerifier) -> None:
    user = tables.sign_in(name="Grace Hopper")

    principal = await verifier.verify(user.token)

    assert principal == Principal(user_id=user.user_id, email=user.email, name="Grace Hopper")


async def test_an_unknown_token_is_refused(verifier: SessionTokenVerifier) -> None:
    with pytest.raises(AuthenticationFailed) as refused:
        await verifier.verify(session_token())
    assert refused.value.reason == UNKNOWN_SESSION
    assert refused.value.token_presented


async def test_an_expired_session_is_refused(
    tables: BetterAuthTables, verifier: SessionTokenVerifier
) -> None:
    user = tables.sign_in(expires_in=timedelta(seconds=-1))

    with pytest.raises(AuthenticationFailed, match="signed out or expired"):
        await verifier.verify(user.token)


async def test_signing_out_is_honoured_once_the_cache_time_has_passed(
    tables: BetterAuthTables, verifier: SessionTokenVerifier, queries: Queries
) -> None:
    user = tables.sign_in()
    assert (await verifier.verify(user.token)).user_id == user.user_id

    tables.sign_out(user.token)
    assert (await verifier.verify(user.token)).user_id == user.user_id  # still remembered
    assert queries.count == 1
    await asyncio.sleep(CACHE_SECONDS + 0.1)

    with pytest.raises(AuthenticationFailed):
        await verifier.verify(user.token)


async def test_a_remembered_session_ends_at_its_own_expiry(
    tables: BetterAuthTables, engine: AsyncEngine
) -> None:
    verifier = SessionTokenVerifier(engine, cache_seconds=30)
    user = tables.sign_in(expires_in=timedelta(seconds=1))
    assert (await verifier.verify(user.token)).user_id == user.user_id

    await asyncio.sleep(1.1)

    with pytest.raises(AuthenticationFailed):
        await verifier.verify(user.token)


@pytest.mark.parametrize(
    "token",
    [
        "a" * 256,
        "abc.def",
        "eyJh.eyJz.c2ln",
        "with space",
        "t\u00f6ken",
        "padded==",
        "%41%42",
        "a\x00b",
        "x/y+z",
    ],
)
async def test_a_token_of_the_wrong_shape_is_refused_without_a_query(
    verifier: SessionTokenVerifier, queries: Queries, token: str
) -> None:
    with pytest.raises(AuthenticationFailed, match="malformed"):
        await verifier.verify(token)
    assert queries.count == 0


async def test_an_unknown_token_sent_again_is_answered_from_memory(
    verifier: SessionTokenVerifier, queries: Queries
) -> None:
    token = session_token()
    for _ in range(50):
        with pytest.raises(AuthenticationFailed):
            await verifier.verify(token)
    assert queries.count == 1


async def test_concurrent_requests_with_one_token_share_one_query(
    tables: BetterAuthTables, verifier: SessionTokenVerifier, queries: Queries
) -> None:
    user, stranger = tables.sign_in(), session_token()

    known = await asyncio.gather(*(verifier.verify(user.token) for _ in range(20)))
    unknown = await asyncio.gather(*(verifier.verify(stranger) for _ in range(20)), return_exceptions=True)

    assert {principal.user_id for principal in known} == {user.user_id}
    assert all(isinstance(outcome, AuthenticationFailed) for outcome in unknown)
    assert queries.count == 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_expiry_stored_as_epoch_milliseconds_is_read(
    tables: BetterAuthTables, verifier: SessionTokenVerifier
) -> None:
    user = tables.sign_in()
    tables.set_raw_expiry(user.token, int((time.time() + 60) * 1000))  # Prisma on SQLite stores this

    assert (await verifier.verify(user.token)).user_id == user.user_id


async def test_a_database_that_is_not_there_is_503_not_401() -> None:
    nowhere = f"postgresql://todo:todo@127.0.0.1:{free_port()}/auth"
    unreachable = create_engine(nowhere, PoolSettings(timeout_seconds=4.0))
    verifier = SessionTokenVerifier(unreachable, timeout_seconds=2)
    try:
        for _ in range(2):  # an outage is not remembered as an unknown token
            with pytest.raises(StorageUnavailable):
                await verifier.verify(session_token())
    finally:
        await unreachable.dispose()


async def test_missing_tables_say_what_to_do(tmp_path: Path, postgres: PostgresServer) -> None:
    for url in (
        f"sqlite:///{tmp_path / 'empty.db'}",
        postgres.create_database(f"empty_{uuid.uuid4().hex[:12]}"),
    ):
        empty = create_engine(url, PoolSettings(timeout_seconds=4.0))
        try:
            with pytest.raises(StorageUnavailable, match="run Better Auth's migrations"):
                await SessionTokenVerifier(empty).verify(session_token())
        finally:
            await empty.dispose()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_lookups_wait_their_turn_and_a_stuck_database_is_503(
    postgres: PostgresServer, database_url: str, engine: AsyncEngine
) -> None:
    verifier = SessionTokenVerifier(engine, max_lookups=2, timeout_seconds=1.5)
    database = database_url.rsplit("/", 1)[1]
    async with await psycopg.AsyncConnection.connect(postgres.admin_conninfo, dbname=database) as locker:
        await locker.execute('LOCK TABLE "session" IN ACCESS EXCLUSIVE MODE')  # every lookup now waits
        flood = [asyncio.ensure_future(verifier.verify(session_token())) for _ in range(10)]
        await asyncio.sleep(0.7)
        waiting = await (
            await locker.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                (database,),
            )
        ).fetchone()
        outcomes = await asyncio.gather(*flood, return_exceptions=True)
        await locker.rollback()

    assert waiting == (2,)
    assert all(isinstance(outcome, StorageUnavailable) for outcome in outcomes)
