"""The sweep that keeps the feed's tombstones and the stored outcomes bounded: at start-up, then hourly.

Every server process runs it; the deletes are idempotent and batched, so several at once only
share the work.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from application.errors import StorageUnavailable
from application.use_cases import PurgeExpired

SWEEP_EVERY_SECONDS: Final = 3600.0
log = logging.getLogger("todo_api")


async def sweep_periodically(purge: PurgeExpired, every: float = SWEEP_EVERY_SECONDS) -> None:
    while True:
        try:
            purged = await purge()
        except StorageUnavailable as error:
            log.warning("purge of expired tombstones and outcomes skipped: database unavailable (%s)", error)
        except Exception as error:
            # E.g. a schema behind the code (readiness says so); the next sweep tries again.
            log.warning("purge of expired tombstones and outcomes failed: %s", type(error).__name__)
        else:
            if purged.tombstones or purged.outcomes:
                log.info("purged %d tombstones, %d stored outcomes", purged.tombstones, purged.outcomes)
        await asyncio.sleep(every)
