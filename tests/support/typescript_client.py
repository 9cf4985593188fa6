"""The TypeScript client in clients/typescript: installed with `npm ci`, compiled, and run under Node."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

CLIENT_DIR = Path(__file__).resolve().parents[2] / "clients" / "typescript"
DRIVE_SCRIPT = "test/drive.mjs"
NPM_TIMEOUT = 600.0
DRIVE_TIMEOUT = 60.0


def build_client() -> None:
    """`npm ci` unless node_modules is newer than package-lock.json, then `npm run build` into dist/."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"'{tool}' is not on PATH; the TypeScript client needs Node.js 20+")
    installed = CLIENT_DIR / "node_modules" / ".package-lock.json"
    lock = CLIENT_DIR / "package-lock.json"
    if not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime:
        _npm("ci", "--no-audit", "--no-fund", "--loglevel=error")
    _npm("run", "build")


def drive(base_url: str, token: str) -> dict[str, Any]:
    """Run the drive script against a live server; return the JSON summary it prints."""
    answer = subprocess.run(
        ["node", DRIVE_SCRIPT],
        cwd=CLIENT_DIR,
        env={"PATH": _path(), "TODO_API_URL": base_url, "TODO_API_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=DRIVE_TIMEOUT,
    )
    if answer.returncode != 0:
        raise AssertionError(f"{DRIVE_SCRIPT} exited with {answer.returncode}:\n{answer.stderr}")
    summary: dict[str, Any] = json.loads(answer.stdout)
    return summary


def _npm(*args: str) -> None:
    answer = subprocess.run(
        ["npm", *args], cwd=CLIENT_DIR, capture_output=True, text=True, timeout=NPM_TIMEOUT
    )
    if answer.returncode != 0:
        raise RuntimeError(f"npm {' '.join(args)} failed in {CLIENT_DIR}:\n{answer.stdout}{answer.stderr}")


def _path() -> str:
    node = shutil.which("node")
    assert node is not None
    return str(Path(node).parent) + ":/usr/bin:/bin"
