"""How fast the machine itself is at a moment: two fixed workloads, timed before and after a run.

On a shared machine the same code can cost twice the CPU from one run to the next. These probes
do the same work every time, so a run whose probes moved tells its reader that the machine did:
- Python: a fixed pure-Python loop on one core (ms), what the API's own code feels;
- round trip: one client's prepared `SELECT 1` to the run's PostgreSQL (µs), the wake-ups of a
  database read, which slow spells hit hardest.
Each is the median of several repeats, on an otherwise idle machine (no load is running).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

import psycopg

_REPEATS = 7
_LOOP = 200_000
_ROUND_TRIPS = 500


@dataclass(frozen=True, slots=True)
class Probe:
    python_ms: float
    round_trip_us: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"Python loop {self.python_ms:.1f} ms, SELECT 1 round trip {self.round_trip_us:.0f} µs"


def _python_loop() -> float:
    started = time.perf_counter()
    total = 0
    for number in range(_LOOP):
        total += number % 7
    return 1000 * (time.perf_counter() - started)


def _round_trips(connection: psycopg.Connection[Any]) -> float:
    started = time.perf_counter()
    for _ in range(_ROUND_TRIPS):
        connection.execute("SELECT 1", prepare=True).fetchone()
    return 1e6 * (time.perf_counter() - started) / _ROUND_TRIPS


def probe(database_url: str) -> Probe:
    python_ms = statistics.median(_python_loop() for _ in range(_REPEATS))
    with psycopg.connect(database_url, autocommit=True) as connection:
        _round_trips(connection)  # prepares the statement and warms the backend
        round_trip_us = statistics.median(_round_trips(connection) for _ in range(_REPEATS))
    return Probe(round(python_ms, 2), round(round_trip_us, 1))
