from application.ports import Clock, IdempotencyRecords
from domain.idempotency import REPLAY_WINDOW, Outcome


class ReplayOutcome:
    """The stored outcome of an earlier request with the same key, if one was recorded in the window."""

    def __init__(self, records: IdempotencyRecords, clock: Clock) -> None:
        self._records = records
        self._clock = clock

    async def __call__(self, owner_id: str, key: str, fingerprint: str) -> Outcome | None:
        """Raises IdempotencyConflict when the key was used for another method, path or body."""
        recorded = await self._records.find(owner_id, key, self._clock.now() - REPLAY_WINDOW)
        return None if recorded is None else recorded.answer_to(fingerprint)
