"""Stored outcomes of writes sent with an Idempotency-Key: recorded inside the write's transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from sqlalchemy import bindparam, delete, select, text, tuple_
from sqlalchemy.sql.expression import TextClause

from adapters.sql.runner import StatementRunner, Transaction
from adapters.sql.tables import idempotency_keys
from application.ports import IdempotencyRecords
from domain.idempotency import KeyInUse, Outcome, Receipt, Recorded

R = TypeVar("R")
PURGE_BATCH: Final = 1000
PURGE_BATCHES_PER_CALL: Final = 100

# Takes the key, or takes it over from an outcome past its window; no row back: the key is held.
# Under the owner's lock (every write takes it first), so no second writer of that user is racing.
_RECORD: Final[TextClause] = text(
    "INSERT INTO idempotency_keys "
    "(user_id, idempotency_key, fingerprint, status, headers, body, recorded_at) "
    "VALUES (:owner_id, :key, :fingerprint, :status, :headers, :body, :recorded_at) "
    "ON CONFLICT (user_id, idempotency_key) DO UPDATE SET fingerprint = excluded.fingerprint, "
    "status = excluded.status, headers = excluded.headers, body = excluded.body, "
    "recorded_at = excluded.recorded_at "
    "WHERE idempotency_keys.recorded_at < :window_start "
    "RETURNING 1"
)


async def record_outcome(transaction: Transaction, owner_id: str, receipt: Receipt[R], result: R) -> None:
    """Store how the result was answered, in the write's transaction; KeyInUse rolls the write back."""
    outcome = receipt.request.render(result)
    parameters = {
        "owner_id": owner_id,
        "key": receipt.request.key,
        "fingerprint": receipt.request.fingerprint,
        "status": outcome.status,
        "headers": json.dumps([list(header) for header in outcome.headers]),
        "body": outcome.body,
        "recorded_at": _seconds(receipt.at),
        "window_start": _seconds(receipt.window_start),
    }
    if not await transaction.rows(_RECORD, parameters):
        raise KeyInUse()


class SqlIdempotencyRecords(IdempotencyRecords):
    def __init__(self, runner: StatementRunner) -> None:
        self._runner = runner

    async def find(self, owner_id: str, key: str, window_start: datetime) -> Recorded | None:
        parameters = {"owner_id": owner_id, "key": key, "window_start": _seconds(window_start)}
        rows = await self._runner.rows(_FIND, parameters)
        if not rows:
            return None
        fingerprint, status, headers, body, recorded_at = rows[0]
        outcome = Outcome(
            int(status), tuple((name, value) for name, value in json.loads(headers)), bytes(body)
        )
        return Recorded(fingerprint, outcome, datetime.fromtimestamp(recorded_at, UTC))

    async def purge(self, before: datetime) -> int:
        purged = 0
        for _ in range(PURGE_BATCHES_PER_CALL):
            batch = len(await self._runner.rows(_PURGE, {"before": _seconds(before), "batch": PURGE_BATCH}))
            purged += batch
            if batch < PURGE_BATCH:
                break
        return purged


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


_columns = idempotency_keys.c
_FIND = select(
    _columns.fingerprint, _columns.status, _columns.headers, _columns.body, _columns.recorded_at
).where(
    _columns.user_id == bindparam("owner_id"),
    _columns.idempotency_key == bindparam("key"),
    _columns.recorded_at >= bindparam("window_start"),
)
# A batch at a time, so that a long backlog never holds one long transaction.
_oldest: Any = (
    select(_columns.user_id, _columns.idempotency_key)
    .where(_columns.recorded_at < bindparam("before"))
    .limit(bindparam("batch"))
)
_PURGE = (
    delete(idempotency_keys)
    .where(tuple_(_columns.user_id, _columns.idempotency_key).in_(_oldest))
    .returning(_columns.user_id)
)
