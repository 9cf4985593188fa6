"""The in-memory store's change numbers and stored outcomes, kept as the SQL tables keep them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from domain.changes import Change, ChangeBatch, Deleted, Upserted
from domain.idempotency import KeyInUse, Receipt, Recorded
from domain.task import Task

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class _Entry:
    owner_id: str
    seq: int
    deleted: bool
    changed_at: float


class ChangeLog:
    """Each task's last change, numbered per owner; the store's lock orders the numbers."""

    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}
        self._heads: dict[str, int] = {}

    def touch(self, owner_id: str, task_id: int, *, deleted: bool = False) -> None:
        seq = self._heads[owner_id] = self._heads.get(owner_id, 0) + 1
        self._entries[task_id] = _Entry(owner_id, seq, deleted, time.time())

    def after(
        self,
        owner_id: str,
        position: int,
        limit: int,
        with_deletions: bool,
        current: Callable[[int], Task | None],
    ) -> ChangeBatch:
        found = sorted(
            (entry.seq, task_id, entry.deleted)
            for task_id, entry in self._entries.items()
            if entry.owner_id == owner_id and entry.seq > position and (with_deletions or not entry.deleted)
        )
        page = found[:limit]
        changes: list[Change] = []
        for _, task_id, deleted in page:
            task = None if deleted else current(task_id)
            changes.append(Deleted(task_id) if task is None else Upserted(task))
        if len(found) > limit:
            return ChangeBatch(changes, page[-1][0], True)
        return ChangeBatch(changes, max(position, self._heads.get(owner_id, 0)), False)

    def purge(self, before: datetime) -> int:
        old = [
            task_id
            for task_id, entry in self._entries.items()
            if entry.deleted and entry.changed_at < before.timestamp()
        ]
        for task_id in old:
            del self._entries[task_id]
        return len(old)


class OutcomeStore:
    def __init__(self) -> None:
        self._recorded: dict[tuple[str, str], Recorded] = {}

    def check_free(self, owner_id: str, receipt: Receipt[R] | None) -> None:
        """Raise KeyInUse before any change when the key holds an outcome still in its window."""
        if receipt is not None and self.find(owner_id, receipt.request.key, receipt.window_start):
            raise KeyInUse()

    def record(self, owner_id: str, receipt: Receipt[R] | None, result: R) -> None:
        if receipt is not None:
            outcome = receipt.request.render(result)
            recorded = Recorded(receipt.request.fingerprint, outcome, receipt.at)
            self._recorded[(owner_id, receipt.request.key)] = recorded

    def find(self, owner_id: str, key: str, window_start: datetime) -> Recorded | None:
        recorded = self._recorded.get((owner_id, key))
        return recorded if recorded is not None and recorded.recorded_at >= window_start else None

    def purge(self, before: datetime) -> int:
        old = [name for name, recorded in self._recorded.items() if recorded.recorded_at < before]
        for name in old:
            del self._recorded[name]
        return len(old)
