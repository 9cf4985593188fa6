"""Knobs read from the environment, with the defaults `make bench` uses."""

from __future__ import annotations

import os


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise SystemExit(f"{name} must be at least {minimum}, got {value}")
    return value


def duration_s() -> float:
    """Seconds each measured wrk run lasts (BENCH_DURATION, default 10)."""
    return env_float("BENCH_DURATION", 10.0, minimum=1.0)


def warmup_s() -> float:
    """Seconds of discarded load before each measured run (BENCH_WARMUP, default 2; 0 skips it)."""
    return env_float("BENCH_WARMUP", 2.0)


def wrk_threads() -> int:
    return int(env_float("BENCH_THREADS", 2.0, minimum=1.0))


def api_workers() -> int:
    """Worker processes of the API under test (BENCH_WORKERS, default 1, as the targets assume)."""
    return int(env_float("BENCH_WORKERS", 1.0, minimum=1.0))


def pool_overrides() -> dict[str, str]:
    """What the caller sets for the API server: DATABASE_POOL_SIZE / DATABASE_MAX_OVERFLOW,
    FAST_READS (false: every read through FastAPI), and BENCH_LOG_LEVEL as its LOG_LEVEL
    (info: the access log on)."""
    names = ("DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW", "FAST_READS")
    overrides = {name: os.environ[name] for name in names if os.environ.get(name)}
    if os.environ.get("BENCH_LOG_LEVEL"):
        overrides["LOG_LEVEL"] = os.environ["BENCH_LOG_LEVEL"]
    return overrides
