"""`make bench-scale`: list latency for a user with 100,000 tasks in a 2,000,000-task table.

Seeds with SQL (BENCH_SCALE_FACTOR, default 1.0, scales every count: 0.05 for a quick trial),
runs VACUUM (ANALYZE), starts the real API (1 worker) and measures with wrk the heavy user's
first page, a deep page and a `q` search, each in the default order and with sort=title;
prints EXPLAIN (ANALYZE, BUFFERS) of the SQL behind each and writes tests/perf/results/scale.json.
Environment: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2),
BENCH_SCALE_CONNECTIONS (wrk connections, default 1: latency without queueing behind
the same user's other requests).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from adapters.auth.dev_tokens import mint_hs256
from domain.query import SortField, TaskQuery
from tests.perf import settings
from tests.perf.explain import Explained, execution_ms, explain_list
from tests.perf.report import machine_info, markdown_table
from tests.perf.scale_seed import HEAVY_USER, SEARCH_WORD, SHORT_SEARCH, ScalePlan, database_facts, seed
from tests.perf.stack import api, database, migrate, run_async, run_benchmark, workdir
from tests.perf.targets import Target, evaluate_scale, targets_table
from tests.perf.wrk import WrkResult, run_wrk, wrk_binary

PAGE = 20


@dataclass(frozen=True, slots=True)
class Probe:
    query: str  # "first page", "deep page", "q search", "short q search"
    sort: str  # the API's sort parameter
    offset: int = 0
    q: str | None = None

    @property
    def path(self) -> str:
        params: dict[str, str | int] = {"limit": PAGE}
        if self.offset:
            params["offset"] = self.offset
        if self.q:
            params["q"] = self.q
        if self.sort != "-created_at":
            params["sort"] = self.sort
        return "/api/tasks?" + urlencode(params)

    def task_query(self) -> TaskQuery:
        return TaskQuery(
            sort=SortField(self.sort.lstrip("-")),
            descending=self.sort.startswith("-"),
            search=self.q,
            limit=PAGE,
            offset=self.offset,
        )


def probes(plan: ScalePlan) -> list[Probe]:
    """Halfway through the heavy user's tasks is the deep page: offset 50,000 at full scale."""
    pages = (
        ("first page", 0, None),
        ("deep page", plan.heavy_tasks // 2, None),
        ("q search", 0, SEARCH_WORD),
        ("short q search", 0, SHORT_SEARCH),
    )
    return [Probe(query, sort, offset, q) for query, offset, q in pages for sort in ("-created_at", "title")]


def scale_factor() -> float:
    return settings.env_float("BENCH_SCALE_FACTOR", 1.0, minimum=0.001)


def connections() -> int:
    return int(settings.env_float("BENCH_SCALE_CONNECTIONS", 1.0, minimum=1.0))


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(base_url: str, token: str, probe: Probe) -> tuple[WrkResult, dict[str, Any]]:
    """A correctness check (status, rows, X-Total-Count), a warm-up, then the measured wrk run."""
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.get(base_url + probe.path, headers=headers, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"{probe.path} answered {response.status_code}: {response.text[:200]}")
    check = {"rows": len(response.json()), "total": int(response.headers.get("x-total-count", "-1"))}
    if check["rows"] != min(PAGE, max(0, check["total"] - probe.offset)):
        raise RuntimeError(f"{probe.path} gave {check['rows']} tasks of {check['total']}: not a full page")
    options: dict[str, Any] = {
        "connections": connections(),
        "threads": min(settings.wrk_threads(), connections()),
        "headers": (f"Authorization: Bearer {token}",),
    }
    if settings.warmup_s() > 0:
        run_wrk(base_url + probe.path, "fixed", duration_s=settings.warmup_s(), **options)
    return run_wrk(base_url + probe.path, "fixed", duration_s=settings.duration_s(), **options), check


def benchmark() -> dict[str, Any]:
    wrk_binary()
    machine = machine_info()
    plan = ScalePlan.for_factor(scale_factor())
    rows: list[dict[str, Any]] = []
    plans: list[dict[str, Any]] = []
    with workdir() as cwd, database() as db:
        migrate(db.url, cwd)
        progress(f"PostgreSQL {db.version}; seeding {plan}")
        timings = seed(db.url, plan, progress)
        facts = database_facts(db.url)
        progress(", ".join(f"{name} {value}" for name, value in facts.items()))
        with api(db.url, cwd, migrated=True, env=settings.pool_overrides()) as server:
            token = mint_hs256(server.secret, HEAVY_USER, ttl_seconds=3600)
            for probe in probes(plan):
                result, check = measure(server.base_url, token, probe)
                rows.append(_row(probe, result, check))
                progress(
                    f"{probe.query} ({probe.sort}): p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
                )
        for probe in probes(plan):
            explained = run_async(explain_list(db.url, HEAVY_USER, probe.task_query()))
            plans.append(_plan(probe, explained))
        for row, explained_plan in zip(rows, plans, strict=True):
            row["explain_ms"] = explained_plan["execution_ms"]
            row["explain_generic_ms"] = explained_plan["generic_execution_ms"]
    machine["load_average_after"] = list(os.getloadavg())
    return {
        "machine": machine,
        "postgres": db.version,
        "config": {
            "scale_factor": scale_factor(),
            "plan": plan.as_dict(),
            "search_word": SEARCH_WORD,
            "short_search": SHORT_SEARCH,
            "duration_s": settings.duration_s(),
            "warmup_s": settings.warmup_s(),
            "connections": connections(),
            "api_workers": 1,
            "api_env": settings.pool_overrides(),
        },
        "seeding": timings,
        "database": facts,
        "results": rows,
        "explain": plans,
        "targets": [target.as_dict() for target in evaluate_scale(rows)],
    }


def _row(probe: Probe, result: WrkResult, check: dict[str, Any]) -> dict[str, Any]:
    return {"query": probe.query, "sort": probe.sort, "path": probe.path, **check, **result.as_dict()}


def _plan(probe: Probe, explained: Explained) -> dict[str, Any]:
    return {
        "query": probe.query,
        "sort": probe.sort,
        "execution_ms": execution_ms(explained.plan),
        "generic_execution_ms": execution_ms(explained.generic_plan),
        "sql": explained.sql,
        "plan": explained.plan,
        "generic_plan": explained.generic_plan,
    }


def print_report(summary: dict[str, Any]) -> None:
    config, machine = summary["config"], summary["machine"]
    for entry in summary["explain"]:
        print(f"\n### {entry['query']} (sort={entry['sort']})\n\n{entry['sql']}\n")
        print(f"custom plan (for these values):\n{entry['plan']}\n")
        print(f"generic plan (for any values, as a prepared statement may use):\n{entry['generic_plan']}")
    print(
        f"\n{machine['cpu_model']}, {machine['nproc']} CPUs, PostgreSQL {summary['postgres']}, "
        f"{machine['date']}; "
        f"{config['plan']['total_tasks']:,} tasks, heavy user {config['plan']['heavy_tasks']:,}, "
        f"{config['plan']['users']:,} users; wrk {config['connections']} connections x "
        f"{config['duration_s']:g} s; load average {machine['load_average'][0]:.2f}; "
        + ", ".join(f"{name} {value}" for name, value in summary["database"].items())
        + "\n"
    )
    headers = [
        "query",
        "sort",
        "rows",
        "X-Total-Count",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "EXPLAIN ms",
        "generic ms",
    ]
    table = [
        [
            row["query"],
            row["sort"],
            row["rows"],
            f"{row['total']:,}",
            f"{row['requests_per_s']:,.0f}",
            f"{row['p50_ms']:.2f}",
            f"{row['p99_ms']:.2f}",
            sum(n for status, n in row["statuses"].items() if status != "200")
            + row["socket_errors"]["timeout"],
            _ms(row["explain_ms"]),
            _ms(row["explain_generic_ms"]),
        ]
        for row in summary["results"]
    ]
    print(markdown_table(headers, table))
    print()
    print(targets_table([Target.from_dict(t) for t in summary["targets"]]))


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _failures(row: dict[str, Any]) -> int:
    """Non-200 answers plus socket errors (timeouts included)."""
    failures = sum(n for status, n in row["statuses"].items() if status != "200")
    return int(failures + sum(row["socket_errors"].values()))


def main() -> int:
    return run_benchmark(benchmark, "scale.json", print_report)


if __name__ == "__main__":
    raise SystemExit(main())
