"""Where the API's time goes under one wrk scenario, sampled with py-spy.

    make install    # py-spy is in the dev group
    .venv/bin/python -m tests.perf.profile [--scenario list] [--connections 64] [--seconds 15]

Starts PostgreSQL and the API (1 worker), seeds like tests.perf.run, warms up, then samples the
server with py-spy while wrk runs. Prints the share of samples per cost (each sample counted
once, by the first rule below that matches), the server's CPU time per request, and the top
leaf functions; keeps the raw stacks in tests/perf/results/profile-<scenario>.txt (collapsed
format: flamegraph.pl or speedscope read it).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tests.perf import settings
from tests.perf.cpu import process_cpu_s
from tests.perf.report import RESULTS_DIR, markdown_table
from tests.perf.run import SCENARIOS, TASKS_PER_USER, USERS
from tests.perf.stack import api, database, run_async, stop_on_signals, workdir
from tests.perf.users import mint_users, seed_tasks, write_users_file
from tests.perf.wrk import run_wrk

Frames = list[str]


def _anywhere(*needles: str) -> Callable[[Frames], bool]:
    return lambda frames: any(needle in frame for frame in frames for needle in needles)


def _leaf(*needles: str) -> Callable[[Frames], bool]:
    return lambda frames: bool(frames) and any(needle in frames[-1] for needle in needles)


# "anywhere" rules claim a whole call (callees included); "leaf" rules only the function's own time.
RULES: tuple[tuple[str, Callable[[Frames], bool]], ...] = (
    ("worker thread (sync dependency run in the threadpool)", _anywhere("WorkerThread.run (anyio")),
    (
        "DB: opening and closing connections (pool overflow churn)",
        _anywhere("AsyncConnection.connect (psycopg", "AsyncConnection.close (psycopg"),
    ),
    ("JWT verification (PyJWT)", _anywhere("(jwt/", "jwt_verifier.py")),
    (
        "SQLAlchemy: compile and cache key",
        _anywhere("sqlalchemy/sql/compiler.py", "sqlalchemy/sql/cache_key.py"),
    ),
    ("SQLAlchemy: statement construction", _anywhere("sqlalchemy/sql/")),
    ("psycopg: execute, fetch, adapt", _anywhere("(psycopg/")),
    ("SQLAlchemy: engine, pool, result rows", _anywhere("(sqlalchemy/")),
    ("threadpool hop (run_in_threadpool)", _anywhere("(anyio/", "starlette/concurrency.py")),
    ("FastAPI dependency solving and parameter validation", _anywhere("fastapi/dependencies/")),
    ("pydantic", _anywhere("(pydantic")),
    ("query-string parsing (urllib)", _anywhere("(urllib/")),
    ("JSON: task_json + orjson render", _anywhere("(entrypoints/http/schemas.py", "render (entrypoints")),
    ("row -> Task mapping", _anywhere("_row_to_task", "_utc (adapters")),
    ("uvicorn: send", _anywhere("RequestResponseCycle.send (uvicorn")),
    ("uvicorn: HTTP parsing and protocol (self)", _leaf("(uvicorn/", "httptools")),
    ("own middleware (self)", _leaf("entrypoints/http/middleware.py")),
    ("Starlette/FastAPI routing and middleware (self)", _leaf("(starlette/", "(fastapi/")),
    ("asyncio event loop (self)", _leaf("(asyncio/", "uvloop")),
    ("application code (self)", _leaf("(entrypoints/", "(application/", "(domain/", "(adapters/")),
)


def category(frames: Frames) -> str:
    return next((name for name, matches in RULES if matches(frames)), "other")


def read_samples(path: Path) -> list[tuple[Frames, int]]:
    samples = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            samples.append((stack.split(";"), int(count)))
    return samples


def summarise(samples: list[tuple[Frames, int]], cpu_ms_per_request: float | None) -> str:
    total = sum(count for _, count in samples) or 1
    by_category: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for frames, count in samples:
        by_category[category(frames)] += count
        leaves[frames[-1]] += count
    rows = []
    for name, count in by_category.most_common():
        share = count / total
        estimate = "—" if cpu_ms_per_request is None else f"{share * cpu_ms_per_request:.3f}"
        rows.append([name, f"{100 * share:.1f}%", estimate])
    table = markdown_table(["cost", "share of samples", "≈ CPU ms/request"], rows)
    top = markdown_table(
        ["leaf function (self)", "share"],
        [[leaf, f"{100 * count / total:.1f}%"] for leaf, count in leaves.most_common(20)],
    )
    return f"{table}\n\n{top}"


def main() -> int:
    parser = argparse.ArgumentParser(description="Profile the API under one wrk scenario with py-spy.")
    parser.add_argument("--scenario", default="list", choices=sorted({s.name for s in SCENARIOS}))
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    parser.add_argument("--analyse", type=Path, metavar="RAW", help="only summarise an earlier raw file")
    args = parser.parse_args()
    if args.analyse:
        print(summarise(read_samples(args.analyse), None))
        return 0
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise SystemExit("py-spy is not installed: run `make install` (it is in the dev group)")
    scenario = next(s for s in SCENARIOS if s.name == args.scenario)
    output = RESULTS_DIR / f"profile-{scenario.name}.txt"
    RESULTS_DIR.mkdir(exist_ok=True)
    stop_on_signals()
    with workdir() as cwd, database() as db, api(db.url, cwd, env=settings.pool_overrides()) as server:
        users = mint_users(server.secret, USERS)
        run_async(seed_tasks(server.base_url, users, TASKS_PER_USER))
        users_file = str(write_users_file(cwd / "users.tsv", users))
        url = server.base_url + scenario.path
        options = {"connections": args.connections, "script_args": (users_file,)}
        run_wrk(url, scenario.script, duration_s=max(2.0, settings.warmup_s()), **options)
        cpu_before = process_cpu_s(server.process.pid)
        spy = subprocess.Popen(
            [py_spy, "record", "--pid", str(server.process.pid), "--duration", str(args.seconds),
             "--rate", str(args.rate), "--format", "raw", "--threads", "--output", str(output)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            result = run_wrk(url, scenario.script, duration_s=args.seconds, **options)
            cpu_after = process_cpu_s(server.process.pid)
            _, errors = spy.communicate(timeout=args.seconds + 30)
        finally:
            if spy.poll() is None:
                spy.kill()
                spy.wait()
    if spy.returncode != 0 or not output.exists():
        raise SystemExit(f"py-spy failed ({spy.returncode}): {errors.decode(errors='replace')}")
    cpu_ms = None
    if cpu_before is not None and cpu_after is not None and result.requests:
        cpu_ms = 1000 * (cpu_after - cpu_before) / result.requests
    print(
        f"\n{scenario.name}@{args.connections}: {result.requests_per_s:,.0f} req/s, "
        f"p99 {result.p99_ms:.1f} ms, server CPU {cpu_ms or 0:.2f} ms/request (with py-spy attached)\n"
    )
    print(summarise(read_samples(output), cpu_ms))
    print(f"\nraw stacks: {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
