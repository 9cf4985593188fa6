"""The project's performance targets, checked against measured numbers (reported, never tuned for)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from tests.perf.report import markdown_table


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    goal: str
    measured: str
    met: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Target:
        return cls(data["name"], data["goal"], data["measured"], bool(data["met"]))


def _find(scenarios: Sequence[dict[str, Any]], name: str, connections: int) -> dict[str, Any] | None:
    return next((s for s in scenarios if s["name"] == name and s["connections"] == connections), None)


def _errors(entry: dict[str, Any]) -> int:
    return int(entry["bad_responses"]) + int(sum(entry["socket_errors"].values()))


def evaluate_run(
    scenarios: Sequence[dict[str, Any]],
    ceilings: dict[int, float],
    *,
    access_log: bool = False,
    round_trip_rps: float | None = None,
) -> list[Target]:
    """The hot read path's targets; with the access log on (LOG_LEVEL=info) the list may reach 45%.

    `round_trip_rps` (the ceiling that waits for one SELECT 1, if measured) is shown beside the
    reads' shares: what a handler that makes only the one round trip every read needs reached in
    the same run. It changes no verdict.
    """
    targets: list[Target] = []
    ceiling = ceilings.get(64, 0.0)
    beside = ""
    if round_trip_rps and ceiling:
        beside = f" (one SELECT 1 alone: {100 * round_trip_rps / ceiling:.0f}%)"
    listing, crowded = _find(scenarios, "list", 64), _find(scenarios, "list", 256)
    mixed, unauthorized = _find(scenarios, "mixed", 64), _find(scenarios, "unauthorized", 64)
    one = _find(scenarios, "get", 64)
    if listing:
        rps, share = listing["requests_per_s"], listing["percent_of_ceiling"] or 0.0
        floor = 45 if access_log else 50
        met = share >= floor
        targets += [
            Target("list throughput", ">= 2,000 req/s", f"{rps:,.0f} req/s", rps >= 2000),
            Target(
                "list vs ceiling", f">= {floor}% of ceiling", f"{share:.1f}% of {ceiling:,.0f}{beside}", met
            ),
            Target("list p99", "< 40 ms", f"{listing['p99_ms']:.1f} ms", listing["p99_ms"] < 40),
        ]
    if one:
        share = one["percent_of_ceiling"] or 0.0
        targets.append(Target("get vs ceiling", ">= 60% of ceiling", f"{share:.1f}%{beside}", share >= 60))
    if mixed:
        rps = mixed["requests_per_s"]
        targets += [
            Target("mixed throughput", ">= 1,500 req/s", f"{rps:,.0f} req/s", rps >= 1500),
            Target("mixed p99", "< 40 ms", f"{mixed['p99_ms']:.1f} ms", mixed["p99_ms"] < 40),
        ]
    if unauthorized:
        share = unauthorized["percent_of_ceiling"] or 0.0
        targets.append(Target("401 path vs ceiling", ">= 50% of ceiling", f"{share:.0f}%", share >= 50))
    if listing and crowded:
        ratio = crowded["requests_per_s"] / listing["requests_per_s"] if listing["requests_per_s"] else 0.0
        errors = _errors(crowded)
        targets += [
            Target(
                "list 256 vs 64 conns", "within 20%", f"{100 * ratio:.1f}% of 64-conn req/s", ratio >= 0.8
            ),
            Target("list 256 conns errors and timeouts", "0", str(errors), errors == 0),
        ]
    return targets


def evaluate_scale(rows: Sequence[dict[str, Any]]) -> list[Target]:
    limits = {"first page": 20.0, "q search": 100.0}
    targets = []
    for row in rows:
        limit = limits.get(row["query"])
        if limit is not None:
            p99 = row["p99_ms"]
            name = f"{row['query']} ({row['sort']}) p99"
            targets.append(Target(name, f"< {limit:g} ms", f"{p99:.1f} ms", p99 < limit))
    return targets


def targets_table(targets: Sequence[Target]) -> str:
    rows = [[t.name, t.goal, t.measured, "met" if t.met else "MISSED"] for t in targets]
    return markdown_table(["target", "goal", "measured", "result"], rows)
