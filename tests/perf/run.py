"""`make bench`: throughput and latency of the real API under wrk, next to a ceiling app.

Starts PostgreSQL, the API (1 worker unless BENCH_WORKERS) and tests.perf.ceiling; seeds 200 users x 20
tasks through the API; runs each scenario with a warm-up; prints a Markdown table; writes
tests/perf/results/latest.json.
Environment: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2), BENCH_THREADS (wrk, 2),
BENCH_WORKERS (API worker processes, default 1), DATABASE_POOL_SIZE / DATABASE_MAX_OVERFLOW
(passed on to the API).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from tests.perf import settings
from tests.perf.cpu import postmaster_pid, server_tree_cpu_s
from tests.perf.report import fmt, machine_info, markdown_table
from tests.perf.stack import api, ceiling, database, run_async, run_benchmark, sessions_opened, workdir
from tests.perf.targets import Target, evaluate_run, targets_table
from tests.perf.users import mint_users, seed_tasks, write_users_file
from tests.perf.wrk import WrkResult, run_wrk, wrk_binary

USERS = 200
TASKS_PER_USER = 20
CEILING_CONNECTIONS = (64, 256)
LIST_PATH = "/api/tasks?limit=20"
# Backends flush their statistics (pg_stat_database.sessions) within about a second.
STATS_FLUSH_S = 1.2


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    script: str
    connections: int
    path: str = "/api/tasks"
    expected_status: int | None = None  # None: any 2xx

    @property
    def label(self) -> str:
        return f"{self.name}@{self.connections}"

    @property
    def bad_means(self) -> str:
        return "non-2xx" if self.expected_status is None else f"non-{self.expected_status}"

    def bad_responses(self, result: WrkResult) -> int:
        return result.non_2xx if self.expected_status is None else result.not_status(self.expected_status)


# list@256 runs right after list@64, before create/mixed add rows, so both see the same data.
SCENARIOS = (
    Scenario("list", "list", 64, LIST_PATH),
    Scenario("list", "list", 256, LIST_PATH),
    Scenario("get", "get", 64),
    Scenario("unauthorized", "unauthorized", 64, expected_status=401),
    Scenario("create", "create", 64),
    # The same creates, each with an Idempotency-Key: the stored outcome's cost beside plain creates.
    Scenario("create (Idempotency-Key)", "create_keyed", 64),
    Scenario("mixed", "mixed", 64),
)
CEILING_SCENARIOS = tuple(Scenario("ceiling (list)", "list", c, LIST_PATH) for c in CEILING_CONNECTIONS)
# The same ceiling on the API's own protocol (one write per response): not what the targets use.
ONE_WRITE_CEILING = Scenario("ceiling, one write (list)", "list", 64, LIST_PATH)
# That one, waiting for a SELECT 1 through the API's engine and runner first: the least a
# request that reads the database once costs on this stack.
ROUND_TRIP_CEILING = Scenario("ceiling, one write + SELECT 1 (list)", "list", 64, LIST_PATH)


@dataclass(frozen=True, slots=True)
class System:
    """What a scenario runs against, and the processes whose CPU time it reads."""

    base_url: str
    users_file: Path
    server_pid: int
    database_url: str | None = None
    postmaster_pid: int | None = None


@dataclass(frozen=True, slots=True)
class Measured:
    scenario: Scenario
    result: WrkResult
    server_cpu_s: float | None = None
    database_cpu_s: float | None = None
    new_db_connections: int | None = None

    def per_request_ms(self, cpu_s: float | None) -> float | None:
        if cpu_s is None or not self.result.requests:
            return None
        return round(1000 * cpu_s / self.result.requests, 3)

    def as_dict(self, ceiling: WrkResult | None, one_write: WrkResult | None = None) -> dict[str, Any]:
        return {
            "name": self.scenario.name,
            "connections": self.scenario.connections,
            "bad_responses": self.scenario.bad_responses(self.result),
            "bad_means": self.scenario.bad_means,
            "percent_of_ceiling": percent_of(self.result, ceiling),
            "percent_of_one_write_ceiling": percent_of(self.result, one_write),
            "server_cpu_ms_per_request": self.per_request_ms(self.server_cpu_s),
            "database_cpu_ms_per_request": self.per_request_ms(self.database_cpu_s),
            "new_db_connections": self.new_db_connections,
            **self.result.as_dict(),
        }


def _cpu(system: System) -> tuple[float | None, float | None]:
    database_cpu = server_tree_cpu_s(system.postmaster_pid) if system.postmaster_pid else None
    # With --workers N the workers are the server's children.
    return server_tree_cpu_s(system.server_pid), database_cpu


def _delta(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else round(after - before, 3)


def measure(system: System, scenario: Scenario) -> Measured:
    """A discarded warm-up, then the measured run, with the servers' CPU time over that run."""
    options: dict[str, Any] = {
        "connections": scenario.connections,
        "threads": settings.wrk_threads(),
        "script_args": (str(system.users_file),),
    }
    url = system.base_url + scenario.path
    if settings.warmup_s() > 0:
        run_wrk(url, scenario.script, duration_s=settings.warmup_s(), **options)
    sessions = sessions_opened(system.database_url) if system.database_url else None
    server_cpu, database_cpu = _cpu(system)
    result = run_wrk(url, scenario.script, duration_s=settings.duration_s(), **options)
    server_cpu_after, database_cpu_after = _cpu(system)
    new_connections = None
    if system.database_url and sessions is not None:
        time.sleep(STATS_FLUSH_S)
        new_connections = max(0, sessions_opened(system.database_url) - sessions - 1)
    return Measured(
        scenario,
        result,
        server_cpu_s=_delta(server_cpu_after, server_cpu),
        database_cpu_s=_delta(database_cpu_after, database_cpu),
        new_db_connections=new_connections,
    )


def log_tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _report_progress(measured: Measured) -> None:
    result = measured.result
    cpu = measured.per_request_ms(measured.server_cpu_s)
    progress(
        f"{measured.scenario.label}: {fmt(result.requests_per_s)} req/s, p99 {result.p99_ms:.1f} ms"
        + ("" if cpu is None else f", server CPU {cpu:.2f} ms/request")
    )


def benchmark() -> dict[str, Any]:
    wrk_binary()
    machine = machine_info()
    ceilings: list[Measured] = []
    results: list[Measured] = []
    workers = settings.api_workers()
    with (
        workdir() as cwd,
        database() as db,
        api(db.url, cwd, env=settings.pool_overrides(), workers=workers) as server,
    ):
        progress(f"PostgreSQL {db.version}; API on {server.base_url}; seeding {USERS} x {TASKS_PER_USER}")
        users = mint_users(server.secret, USERS)
        retried = run_async(seed_tasks(server.base_url, users, TASKS_PER_USER))
        if retried:
            progress(f"seeding: {retried} request(s) failed at the transport level and were retried")
        users_file = write_users_file(cwd / "users.tsv", users)
        with ceiling(cwd, server.secret) as ceiling_server:
            ceiling_system = System(ceiling_server.base_url, users_file, ceiling_server.pid)
            for scenario in CEILING_SCENARIOS:
                ceilings.append(measure(ceiling_system, scenario))
                _report_progress(ceilings[-1])
        with ceiling(cwd, server.secret, one_write=True) as ceiling_server:
            one_write = measure(
                System(ceiling_server.base_url, users_file, ceiling_server.pid), ONE_WRITE_CEILING
            )
            _report_progress(one_write)
        with ceiling(cwd, server.secret, one_write=True, database_url=db.url) as ceiling_server:
            round_trip = measure(
                System(
                    ceiling_server.base_url, users_file, ceiling_server.pid, db.url, postmaster_pid(db.url)
                ),
                ROUND_TRIP_CEILING,
            )
            _report_progress(round_trip)

        system = System(server.base_url, users_file, server.process.pid, db.url, postmaster_pid(db.url))
        for scenario in SCENARIOS:
            settle(db.url)
            try:
                results.append(measure(system, scenario))
            except RuntimeError:
                exited = server.process.poll()
                if exited is not None:
                    progress(f"the API exited with {exited}; its log ends with:\n{log_tail(server.log())}")
                raise
            _report_progress(results[-1])
    machine["load_average_after"] = list(os.getloadavg())
    return summarise(machine, db.version, ceilings, results, one_write, round_trip)


def settle(database_url: str) -> None:
    """What autovacuum would have done by now in a database that has been running: otherwise it
    starts (and the plans change) inside some scenario's 10 s after the seeding or the creates,
    and that scenario's figures move by a third from one run to the next."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")


def percent_of(result: WrkResult, reference: WrkResult | None) -> float | None:
    if reference is None or not reference.requests_per_s:
        return None
    return round(100 * result.requests_per_s / reference.requests_per_s, 1)


def summarise(
    machine: dict[str, Any],
    postgres_version: str,
    ceilings: list[Measured],
    results: list[Measured],
    one_write: Measured,
    round_trip: Measured,
) -> dict[str, Any]:
    by_connections = {m.scenario.connections: m.result for m in ceilings}
    scenarios = [
        m.as_dict(
            by_connections.get(m.scenario.connections),
            one_write.result if m.scenario.connections == one_write.scenario.connections else None,
        )
        for m in results
    ]
    access_log = settings.pool_overrides().get("LOG_LEVEL", "warning") in ("info", "debug")
    ceilings_rps = {c: r.requests_per_s for c, r in by_connections.items()}
    targets = evaluate_run(
        scenarios, ceilings_rps, access_log=access_log, round_trip_rps=round_trip.result.requests_per_s
    )
    return {
        "machine": machine,
        "postgres": postgres_version,
        "config": {
            "duration_s": settings.duration_s(),
            "warmup_s": settings.warmup_s(),
            "wrk_threads": settings.wrk_threads(),
            "users": USERS,
            "tasks_per_user": TASKS_PER_USER,
            "api_workers": settings.api_workers(),
            "api_env": settings.pool_overrides(),
        },
        "ceiling": [
            *(m.as_dict(m.result) for m in ceilings),
            one_write.as_dict(by_connections.get(one_write.scenario.connections), one_write.result),
            round_trip.as_dict(by_connections.get(round_trip.scenario.connections), one_write.result),
        ],
        "scenarios": scenarios,
        "targets": [target.as_dict() for target in targets],
    }


HEADERS = (
    "scenario", "conns", "req/s", "p50 ms", "p99 ms", "non-2xx", "socket errors", "% of ceiling",
    "% of one-write ceiling", "server CPU ms/req", "PG CPU ms/req", "new DB conns",
)  # fmt: skip


def _row(entry: dict[str, Any]) -> list[object]:
    bad = str(entry["bad_responses"])
    if entry["bad_means"] != "non-2xx":
        bad += f" ({entry['bad_means']})"

    def maybe(value: float | None, pattern: str = "{:.2f}") -> str:
        return "—" if value is None else pattern.format(value)

    return [
        entry["name"],
        entry["connections"],
        fmt(entry["requests_per_s"], 0),
        f"{entry['p50_ms']:.2f}",
        f"{entry['p99_ms']:.2f}",
        bad,
        sum(entry["socket_errors"].values()),
        maybe(entry["percent_of_ceiling"], "{:.0f}%"),
        maybe(entry["percent_of_one_write_ceiling"], "{:.0f}%"),
        maybe(entry["server_cpu_ms_per_request"]),
        maybe(entry["database_cpu_ms_per_request"]),
        maybe(entry["new_db_connections"], "{}"),
    ]


def print_report(summary: dict[str, Any]) -> None:
    machine = summary["machine"]
    load_before, load_after = machine["load_average"][0], machine["load_average_after"][0]
    print(
        f"\n{machine['cpu_model']}, {machine['nproc']} CPUs, Python {machine['python']}, "
        f"PostgreSQL {summary['postgres']}, {machine['date']}, "
        f"{summary['config']['duration_s']:g} s per run, load average {load_before:.2f} -> {load_after:.2f}\n"
    )
    rows = [_row(entry) for entry in [*summary["ceiling"], *summary["scenarios"]]]
    print(markdown_table(HEADERS, rows))
    print()
    print(targets_table([Target.from_dict(t) for t in summary["targets"]]))


def main() -> int:
    return run_benchmark(benchmark, "latest.json", print_report)


if __name__ == "__main__":
    raise SystemExit(main())
