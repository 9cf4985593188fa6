"""CPU time spent by the server processes, from /proc: steadier than req/s on a shared machine."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces: split after the last ')'.
    return text[text.rindex(")") + 2 :].split()


def process_cpu_s(pid: int, *, reaped_children: bool = False) -> float | None:
    """User + system seconds of `pid` (all its threads), plus its reaped children's if asked."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    # After the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICKS_PER_S


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def server_tree_cpu_s(root_pid: int) -> float | None:
    """A process and its children, live or already exited: a postmaster and its backends, or a
    server and its workers (both fork, never thread)."""
    total = process_cpu_s(root_pid, reaped_children=True)
    if total is None:
        return None
    for child in _children(root_pid):
        total += process_cpu_s(child) or 0.0
    return total


def postmaster_pid(database_url: str) -> int | None:
    """The local postmaster serving `database_url` (the parent of our backend), if /proc shows it."""
    # Read while connected: the backend's /proc entry goes when the connection does.
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        if row is None or not _is_postgres(int(row[0])):
            return None  # e.g. a server in a container or elsewhere
        fields = _stat_fields(int(row[0]))
    return int(fields[1]) if fields else None


def _is_postgres(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "postgres"
    except OSError:
        return False
