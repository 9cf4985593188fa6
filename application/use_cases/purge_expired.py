from dataclasses import dataclass

from application.ports import ChangeFeed, Clock, IdempotencyRecords
from domain.changes import TOMBSTONE_LIFETIME
from domain.idempotency import REPLAY_WINDOW


@dataclass(frozen=True, slots=True)
class Purged:
    tombstones: int
    outcomes: int


class PurgeExpired:
    """Forget deletions no cursor can still need, and outcomes past their replay window."""

    def __init__(self, feed: ChangeFeed, records: IdempotencyRecords, clock: Clock) -> None:
        self._feed = feed
        self._records = records
        self._clock = clock

    async def __call__(self) -> Purged:
        now = self._clock.now()
        tombstones = await self._feed.purge_tombstones(now - TOMBSTONE_LIFETIME)
        return Purged(tombstones, await self._records.purge(now - REPLAY_WINDOW))
