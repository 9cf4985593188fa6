"""`make soak`: minutes of mixed load on two API processes sharing one database.

Reports requests, unexpected statuses, socket errors, p99 and each process's memory (RSS) after a
warm-up and at the end. Exits 1 when any response was not 2xx or a process grew by 10% or more.
Environment: SOAK_DURATION (s, default 300), SOAK_CONNECTIONS (per server, default 32).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.perf.report import machine_info, markdown_table, write_json
from tests.perf.settings import env_float
from tests.perf.users import mint_users, seed_tasks, write_users_file
from tests.perf.wrk import WrkResult, run_wrk
from tests.support.api_server import ApiServer, api_server
from tests.support.postgres import postgres_server

USERS = 200
TASKS_PER_USER = 20
WARMUP_S = 15.0
MAX_RSS_GROWTH = 0.10


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def mixed_load(
    servers: list[ApiServer], users_file: Path, seconds: float, connections: int
) -> list[WrkResult]:
    """The mixed scenario against every server at once, one wrk each."""
    with ThreadPoolExecutor(len(servers)) as pool:
        runs = [
            pool.submit(
                run_wrk,
                server.base_url + "/api/tasks",
                "mixed",
                connections=connections,
                duration_s=seconds,
                threads=1,
                script_args=(str(users_file),),
            )
            for server in servers
        ]
        return [run.result() for run in runs]


def soak(duration_s: float, connections: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="todo-soak-") as tmp, postgres_server() as postgres:
        workdir = Path(tmp)
        url = postgres.create_database(f"soak_{uuid.uuid4().hex[:8]}")
        with (
            api_server(url, workdir, LOG_LEVEL="warning") as first,
            api_server(url, workdir, migrate=False, LOG_LEVEL="warning") as second,
        ):
            servers = [first, second]
            users = mint_users(first.secret, USERS)
            asyncio.run(seed_tasks(first.base_url, users, TASKS_PER_USER))
            users_file = write_users_file(workdir / "users.tsv", users)

            print(f"warming up for {WARMUP_S:.0f} s", file=sys.stderr)
            mixed_load(servers, users_file, WARMUP_S, connections)
            rss_start = [rss_kib(server.process.pid) for server in servers]
            print(f"soaking for {duration_s:.0f} s on two servers", file=sys.stderr)
            results = mixed_load(servers, users_file, duration_s, connections)
            rss_end = [rss_kib(server.process.pid) for server in servers]
    return {
        "machine": machine_info(),
        "duration_s": duration_s,
        "connections_per_server": connections,
        "servers": [
            {
                "requests": result.requests,
                "requests_per_s": result.requests_per_s,
                "unexpected_statuses": result.non_2xx,
                "socket_errors": result.total_socket_errors,
                "p50_ms": result.p50_ms,
                "p99_ms": result.p99_ms,
                "rss_start_kib": start,
                "rss_end_kib": end,
                "rss_growth": round((end - start) / start, 4),
            }
            for result, start, end in zip(results, rss_start, rss_end, strict=True)
        ],
    }


def memory(server: dict[str, Any]) -> str:
    start, end = server["rss_start_kib"] / 1024, server["rss_end_kib"] / 1024
    return f"{start:.1f} → {end:.1f} MiB ({100 * server['rss_growth']:+.1f}%)"


def main() -> int:
    report = soak(
        env_float("SOAK_DURATION", 300.0, minimum=5.0), int(env_float("SOAK_CONNECTIONS", 32.0, minimum=1.0))
    )
    rows = [
        [
            f"server {n}",
            s["requests"],
            s["requests_per_s"],
            s["unexpected_statuses"] + s["socket_errors"],
            f"{s['p99_ms']:.1f}",
            memory(s),
        ]
        for n, s in enumerate(report["servers"], start=1)
    ]
    headers = ["process", "requests", "req/s", "errors", "p99 ms", "RSS after warm-up → end"]
    print(markdown_table(headers, rows))
    print(f"\nwritten to {write_json('soak.json', report)}")
    failed = [
        s
        for s in report["servers"]
        if s["unexpected_statuses"] or s["socket_errors"] or s["rss_growth"] >= MAX_RSS_GROWTH
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
