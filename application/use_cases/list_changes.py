from dataclasses import dataclass

from application.ports import ChangeFeed, Clock
from domain.changes import CHANGES_LIMIT_DEFAULT, CHANGES_LIMIT_MAX, ChangeBatch, CursorExpired, SyncPoint
from domain.errors import InvalidTask


@dataclass(frozen=True, slots=True)
class ListChangesCommand:
    owner_id: str
    since: SyncPoint | None = None  # None: every task there is, as a first sync
    limit: int = CHANGES_LIMIT_DEFAULT


@dataclass(frozen=True, slots=True)
class ChangesSince:
    batch: ChangeBatch
    next: SyncPoint  # where to ask from next time


class ListChanges:
    def __init__(self, feed: ChangeFeed, clock: Clock) -> None:
        self._feed = feed
        self._clock = clock

    async def __call__(self, command: ListChangesCommand) -> ChangesSince:
        if not 1 <= command.limit <= CHANGES_LIMIT_MAX:
            raise InvalidTask("limit", f"must be between 1 and {CHANGES_LIMIT_MAX}")
        now = self._clock.now()
        since = command.since
        if since is not None and since.expired(now):
            raise CursorExpired()
        batch = await self._feed.changes_after(
            command.owner_id,
            0 if since is None else since.position,
            command.limit,
            with_deletions=since is not None,
        )
        return ChangesSince(batch, SyncPoint(batch.position, now))
