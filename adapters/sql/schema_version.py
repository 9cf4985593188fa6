"""Whether the database has every migration this code ships (Alembic's alembic_version)."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.migrate import applied_revisions, latest_revisions
from adapters.sql.outages import UNAVAILABLE, storage_unavailable
from application.ports import SchemaVersion


class SqlSchemaVersion(SchemaVersion):
    def __init__(self, engine: AsyncEngine, *, timeout_seconds: float) -> None:
        self._engine = engine
        self._timeout = timeout_seconds
        self._latest = latest_revisions()  # read from the migration scripts once

    async def is_current(self) -> bool:
        try:
            async with asyncio.timeout(self._timeout), self._engine.connect() as connection:
                applied = await connection.run_sync(applied_revisions)
        except UNAVAILABLE as error:
            raise storage_unavailable(self._engine.url, error, self._timeout) from error
        return applied == self._latest
