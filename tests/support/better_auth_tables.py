"""Better Auth's own `user` and `session` tables, as its migrations create them, and rows in them.

The DDL is what better-auth 1.7.25's `getMigrations(...).compileMigrations()` prints for its
core tables on each database; the interop tests run the real migrations instead. Rows are
written the way its Kysely adapter writes them: timestamptz on PostgreSQL, ISO-8601 text with
milliseconds and `Z` on SQLite.
"""

from __future__ import annotations

import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from adapters.sql.engine import is_sqlite, normalise_url

_DDL = {
    "sqlite": [
        'create table "user" ("id" text not null primary key, "name" text not null, "email" text not null'
        ' unique, "emailVerified" integer not null, "image" text, "createdAt" date not null,'
        ' "updatedAt" date not null)',
        'create table "session" ("id" text not null primary key, "expiresAt" date not null, "token" text'
        ' not null unique, "createdAt" date not null, "updatedAt" date not null, "ipAddress" text,'
        ' "userAgent" text, "userId" text not null references "user" ("id") on delete cascade)',
        'create index "session_userId_idx" on "session" ("userId")',
    ],
    "postgresql": [
        'create table "user" ("id" text not null primary key, "name" text not null, "email" text not null'
        ' unique, "emailVerified" boolean not null, "image" text, "createdAt" timestamptz default'
        ' CURRENT_TIMESTAMP not null, "updatedAt" timestamptz default CURRENT_TIMESTAMP not null)',
        'create table "session" ("id" text not null primary key, "expiresAt" timestamptz not null,'
        ' "token" text not null unique, "createdAt" timestamptz default CURRENT_TIMESTAMP not null,'
        ' "updatedAt" timestamptz not null, "ipAddress" text, "userAgent" text, "userId" text not null'
        ' references "user" ("id") on delete cascade)',
        'create index "session_userId_idx" on "session" ("userId")',
    ],
}
_TOKEN_ALPHABET = string.ascii_letters + string.digits


def session_token() -> str:
    """A token as Better Auth's `generateId(32)` makes one."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(32))


@dataclass(frozen=True, slots=True)
class SignedIn:
    user_id: str
    email: str
    name: str
    token: str


class BetterAuthTables:
    """Better Auth's tables in the database at `url` (a DATABASE_URL), written synchronously."""

    def __init__(self, url: str) -> None:
        sync_url = normalise_url(url, asynchronous=False)
        self._sqlite = is_sqlite(sync_url)
        self._engine: Engine = create_engine(sync_url)

    def create(self) -> BetterAuthTables:
        with self._engine.begin() as connection:
            for statement in _DDL["sqlite" if self._sqlite else "postgresql"]:
                connection.execute(text(statement))
        return self

    def sign_in(self, *, expires_in: timedelta = timedelta(days=7), name: str = "Ada Lovelace") -> SignedIn:
        """A new user with one session, as sign-up leaves them."""
        user_id, email = uuid.uuid4().hex, f"{uuid.uuid4().hex[:12]}@example.com"
        now = self._date(datetime.now(UTC))
        with self._engine.begin() as connection:
            connection.execute(
                text(
                    'insert into "user" ("id", "name", "email", "emailVerified", "createdAt", "updatedAt")'
                    " values (:id, :name, :email, :verified, :now, :now)"
                ),
                {"id": user_id, "name": name, "email": email, "verified": False, "now": now},
            )
        return SignedIn(user_id, email, name, self.add_session(user_id, expires_in))

    def add_session(self, user_id: str, expires_in: timedelta, token: str | None = None) -> str:
        token = token or session_token()
        now = datetime.now(UTC)
        with self._engine.begin() as connection:
            connection.execute(
                text(
                    'insert into "session" ("id", "expiresAt", "token", "createdAt", "updatedAt", "userId")'
                    " values (:id, :expires, :token, :now, :now, :user_id)"
                ),
                {
                    "id": uuid.uuid4().hex,
                    "expires": self._date(now + expires_in),
                    "token": token,
                    "now": self._date(now),
                    "user_id": user_id,
                },
            )
        return token

    def sign_out(self, token: str) -> None:
        """What Better Auth's sign-out does: the session row goes."""
        with self._engine.begin() as connection:
            connection.execute(text('delete from "session" where "token" = :token'), {"token": token})

    def set_raw_expiry(self, token: str, value: object) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                text('update "session" set "expiresAt" = :value where "token" = :token'),
                {"value": value, "token": token},
            )

    def dispose(self) -> None:
        self._engine.dispose()

    def _date(self, moment: datetime) -> datetime | str:
        if self._sqlite:
            return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return moment
