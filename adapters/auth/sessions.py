"""Verifies Better Auth's opaque session tokens against its own `session` and `user` tables.

Better Auth's default schema, as its migrations create it: quoted camelCase columns on
PostgreSQL (`"userId"`, `"expiresAt"`), and ISO-8601 text for dates on SQLite.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Column, MetaData, String, Table, bindparam, exc, select
from sqlalchemy.engine import Row, RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import NullType

from adapters.sql.runner import EngineRunner
from application.errors import AuthenticationFailed, SchemaOutdated, StorageUnavailable
from application.ports import TokenVerifier
from domain.fields import OWNER_ID_MAX_LENGTH
from domain.identity import Principal
from domain.text import is_storable

MAX_CACHE_SECONDS = 30.0
SESSION_TOKEN_MAX_LENGTH = 255
# Better Auth's tokens are 32 letters and digits; custom generators stay URL-safe.
_SESSION_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{1,{SESSION_TOKEN_MAX_LENGTH}}}")
UNKNOWN_SESSION = "no active Better Auth session has this token (signed out or expired)"

# Better Auth's tables, not ours: they stay out of our migrations' metadata.
_better_auth = MetaData()
_session = Table(
    "session",
    _better_auth,
    Column("token", String),
    Column("userId", NullType),
    Column("expiresAt", NullType),  # timestamptz on PostgreSQL, ISO text on SQLite
)
_user = Table("user", _better_auth, Column("id", NullType), Column("email", String), Column("name", String))
_LOOKUP = (
    select(_session.c.userId, _session.c.expiresAt, _user.c.email, _user.c.name)
    .join(_user, _user.c.id == _session.c.userId)
    .where(_session.c.token == bindparam("token"))
)


def looks_like_session_token(token: str) -> bool:
    """What a session token can be; a JWT always has dots, so it never matches."""
    return _SESSION_TOKEN.fullmatch(token) is not None


@dataclass(frozen=True, slots=True)
class _Remembered:
    principal: Principal | None  # None: no such session
    until: float


class _Answers:
    """Answers kept until their own deadline; the least recently used go first when full."""

    def __init__(self, capacity: int) -> None:
        self._entries: OrderedDict[bytes, _Remembered] = OrderedDict()
        self._capacity = capacity

    def get(self, key: bytes, now: float) -> _Remembered | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if now >= entry.until:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def add(self, key: bytes, entry: _Remembered) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        if len(self._entries) > self._capacity:
            self._entries.popitem(last=False)


class SessionTokenVerifier(TokenVerifier):
    """A token is good while its session row exists and `expiresAt` is in the future.

    Answers are remembered for at most `cache_seconds` (≤ 30), so signing out holds within
    that window; unknown tokens are remembered as long, in a bounded cache of their own, and
    concurrent lookups of one token share one query. At most `max_lookups` queries run at
    once, each within `timeout_seconds`: a flood of new tokens waits its turn, then gets 503.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        timeout_seconds: float = 4.0,
        max_lookups: int = 4,
        cache_seconds: float = MAX_CACHE_SECONDS,
        capacity: int = 10_000,
        unknown_capacity: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 0 <= cache_seconds <= MAX_CACHE_SECONDS:
            raise ValueError(f"cache_seconds must be 0 to {MAX_CACHE_SECONDS:g}")
        # SQLAlchemy's whole path: lookups are rare, and its rows come by name on every dialect.
        self._run = EngineRunner(engine, timeout_seconds=timeout_seconds, max_connections=max_lookups).rows
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._known = _Answers(capacity)
        self._unknown = _Answers(unknown_capacity)
        self._in_flight: dict[bytes, asyncio.Future[Principal | None]] = {}

    async def verify(self, token: str) -> Principal:
        if not looks_like_session_token(token):
            raise AuthenticationFailed("token is malformed")
        # Hashed, so the caches never hold a usable token.
        key = hashlib.sha256(token.encode()).digest()
        now = self._clock()
        remembered = self._known.get(key, now) or self._unknown.get(key, now)
        if remembered is not None:
            principal = remembered.principal
        else:
            principal = await self._look_up_once(key, token)
        if principal is None:
            raise AuthenticationFailed(UNKNOWN_SESSION)
        return principal

    async def _look_up_once(self, key: bytes, token: str) -> Principal | None:
        shared = self._in_flight.get(key)
        if shared is None:
            shared = asyncio.ensure_future(self._look_up(key, token))
            self._in_flight[key] = shared
            shared.add_done_callback(lambda done: self._settle(key, done))
        # Shielded: one caller giving up does not cancel the others' query.
        return await asyncio.shield(shared)

    def _settle(self, key: bytes, done: asyncio.Future[Principal | None]) -> None:
        self._in_flight.pop(key, None)
        if not done.cancelled():
            done.exception()  # retrieved, so an outage nobody waited for is not logged as unhandled

    async def _look_up(self, key: bytes, token: str) -> Principal | None:
        try:
            rows = await self._run(_LOOKUP, {"token": token})
        except SchemaOutdated as error:  # what the runner makes of a missing table
            raise StorageUnavailable(_NO_TABLES.format(type(error.__cause__).__name__)) from error
        except StorageUnavailable as error:
            if _is_missing_schema(error.__cause__):  # SQLite says so with an OperationalError
                raise StorageUnavailable(_NO_TABLES.format(type(error.__cause__).__name__)) from error
            raise
        except exc.DBAPIError as error:  # the runner turned outages into StorageUnavailable already
            raise StorageUnavailable(_NO_TABLES.format(type(error.orig).__name__)) from error
        now = self._clock()
        found = _active_session(cast("Row[Any]", rows[0])._mapping if rows else None, now)
        if found is None:
            self._unknown.add(key, _Remembered(None, now + self._cache_seconds))
            return None
        principal, expires_at = found
        self._known.add(key, _Remembered(principal, min(now + self._cache_seconds, expires_at)))
        return principal


_NO_TABLES = (
    "Better Auth's session and user tables cannot be read ({}); "
    "run Better Auth's migrations, or point BETTER_AUTH_DATABASE_URL at its database"
)


def _is_missing_schema(error: BaseException | None) -> bool:
    message = str(error)
    return isinstance(error, exc.OperationalError) and (
        "no such table" in message or "no such column" in message
    )


def _active_session(row: RowMapping | None, now: float) -> tuple[Principal, float] | None:
    if row is None:
        return None
    expires_at = _epoch_seconds(row["expiresAt"])
    if expires_at is None or expires_at <= now:
        return None
    user_id = row["userId"]
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user_id = str(user_id)  # Better Auth's numeric-id option
    if not isinstance(user_id, str) or not 0 < len(user_id) <= OWNER_ID_MAX_LENGTH:
        return None
    if not is_storable(user_id):
        return None
    email, name = _optional_text(row["email"]), _optional_text(row["name"])
    return Principal(user_id=user_id, email=email, name=name), expires_at


def _epoch_seconds(value: object) -> float | None:
    """`expiresAt` as stored: a datetime, ISO-8601 text, or epoch milliseconds (Prisma on SQLite)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value / 1000
    return None


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) and is_storable(value) else None
