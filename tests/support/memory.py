"""The app's one composition root with in-memory parts: no database, and a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from dependency_injector import providers
from pydantic import SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from starlette.types import ASGIApp

from adapters.auth.dev_tokens import mint_hs256
from adapters.memory.schema_version import InMemorySchemaVersion
from adapters.memory.task_repo import InMemoryTaskRepo
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from tests.support.api_server import ALLOWED_ORIGIN, TEST_SECRET

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
# Named but never opened: the in-memory repository replaces everything that would connect.
UNOPENED_DATABASE_URL = "sqlite:///./never-opened.db"


class FixedClock:
    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, minutes: int = 1) -> None:
        self.at += timedelta(minutes=minutes)


class _DirectSettings(Settings):
    """Only what the test passes: no environment variables, no .env file."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def memory_settings(database_url: str = UNOPENED_DATABASE_URL) -> Settings:
    """The test secret and origin, and a database URL nothing opens."""
    return _DirectSettings(
        better_auth_secret=SecretStr(TEST_SECRET), cors_origins=ALLOWED_ORIGIN, database_url=database_url
    )


def build_memory_container(clock: FixedClock | None = None, settings: Settings | None = None) -> Container:
    """The production container with one in-memory store for writes and reads, and a fixed clock."""
    container = build_container(settings or memory_settings())
    store = InMemoryTaskRepo()
    container.task_repo.override(providers.Object(store))
    container.task_reader.override(providers.Object(store))
    container.schema_version.override(providers.Singleton(InMemorySchemaVersion))
    container.change_feed.override(providers.Object(store))
    container.idempotency_records.override(providers.Object(store))
    container.clock.override(providers.Object(clock or FixedClock()))
    return container


def token(user_id: str) -> str:
    return mint_hs256(TEST_SECRET, user_id)


def asgi_client(app: ASGIApp, user_id: str | None = None) -> httpx.AsyncClient:
    """An in-process client on `app` (e.g. `create_app(container)`); signed in as `user_id` when given."""
    headers = {"Authorization": f"Bearer {token(user_id)}"} if user_id else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers)
