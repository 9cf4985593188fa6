"""Retry-safe writes: a key names one request; its first outcome is kept and answered again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Generic, TypeVar

from domain.errors import DomainError

KEY_PATTERN: Final = r"^[A-Za-z0-9._:-]{1,255}$"
REPLAY_WINDOW: Final = timedelta(hours=24)

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the first request was answered, as the entrypoint rendered it; opaque to the core."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class Recorded:
    fingerprint: str  # a digest of what was asked: method, path, body
    outcome: Outcome
    recorded_at: datetime

    def answer_to(self, fingerprint: str) -> Outcome:
        """The outcome for a retry of the very same request; another request under the key is refused."""
        if fingerprint != self.fingerprint:
            raise IdempotencyConflict()
        return self.outcome


@dataclass(frozen=True, slots=True, kw_only=True)
class IdempotentRequest(Generic[R]):
    """A write sent with a key: the store records `render(result)` in the write's own transaction."""

    key: str
    fingerprint: str
    render: Callable[[R], Outcome]

    def receipt(self, now: datetime) -> Receipt[R]:
        return Receipt(self, now)


@dataclass(frozen=True, slots=True)
class Receipt(Generic[R]):
    """What a write port gets: the request, and the time it is recorded at."""

    request: IdempotentRequest[R]
    at: datetime

    @property
    def window_start(self) -> datetime:
        """A record older than this is forgotten: its key may be used again."""
        return self.at - REPLAY_WINDOW


def receipt_at(request: IdempotentRequest[R] | None, now: datetime) -> Receipt[R] | None:
    return None if request is None else request.receipt(now)


class IdempotencyConflict(DomainError):
    """The key was already used for another method, path or body."""


class KeyInUse(DomainError):
    """Another request with this key was recorded first; its outcome is the answer."""
