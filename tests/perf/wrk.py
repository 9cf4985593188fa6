"""Runs wrk with one of the Lua scenarios and reads the JSON line its done() prints."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

LUA_DIR = Path(__file__).parent / "lua"
MARKER = "BENCH_JSON "
REQUEST_TIMEOUT = "5s"
# wrk stops itself after -d; this only guards against a wedged process.
GRACE_SECONDS = 30


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests: int
    duration_s: float
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    statuses: dict[int, int]
    socket_errors: dict[str, int]

    def not_status(self, *expected: int) -> int:
        """Responses whose status is not among `expected`."""
        return sum(n for status, n in self.statuses.items() if status not in expected)

    @property
    def non_2xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    @property
    def total_socket_errors(self) -> int:
        return sum(self.socket_errors.values())

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["statuses"] = {str(status): n for status, n in sorted(self.statuses.items())}
        return data


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError(
            "wrk is not installed; run `bash scripts/system-packages.sh wrk` (or apt-get install wrk)"
        )
    return found


def run_wrk(
    url: str,
    script: str,
    *,
    connections: int,
    duration_s: float,
    threads: int = 2,
    script_args: tuple[str, ...] = (),
    headers: tuple[str, ...] = (),
) -> WrkResult:
    """One wrk run of `duration_s` seconds against `url` with `tests/perf/lua/<script>.lua`."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"benchmarks only target 127.0.0.1, not {url}")
    command = [
        wrk_binary(),
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        f"--timeout={REQUEST_TIMEOUT}",
        "-s", str(LUA_DIR / f"{script}.lua"),
    ]  # fmt: skip
    for header in headers:
        command += ["-H", header]
    command += [url, "--", *script_args]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=duration_s + GRACE_SECONDS, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}")
    return parse_output(completed.stdout)


def parse_output(stdout: str) -> WrkResult:
    line = next((line for line in stdout.splitlines() if line.startswith(MARKER)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no {MARKER.strip()} line:\n{stdout}")
    data = json.loads(line.removeprefix(MARKER))
    duration_s = data["duration_us"] / 1e6
    latency = data["latency_us"]
    return WrkResult(
        requests=data["requests"],
        duration_s=round(duration_s, 3),
        requests_per_s=round(data["requests"] / duration_s, 1) if duration_s else 0.0,
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        mean_ms=round(latency["mean"] / 1000, 3),
        statuses={int(status): n for status, n in data["statuses"].items()},
        socket_errors={kind: data["errors"][kind] for kind in ("connect", "read", "write", "timeout")},
    )
