"""A real headless Chromium (the system's `chromium`, driven by Playwright) and tiny static page servers."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import BrowserContext, sync_playwright

# We run as root on a closed network: no sandbox, no GPU, nothing that phones home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAUNCH_TIMEOUT_MS = 30_000
ACTION_TIMEOUT_MS = 15_000


def chromium_executable() -> str:
    """The system Chromium (Debian's `chromium` package), never a Playwright-downloaded one."""
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(found, os.X_OK):
        raise RuntimeError(
            "Chromium is missing: install the `chromium` system package "
            "(`bash scripts/system-packages.sh chromium`)."
        )
    return found


@contextmanager
def static_page_server(html: str) -> Iterator[str]:
    """Serve `html` at / from 127.0.0.1 on a port of its own; yield the origin, e.g. http://127.0.0.1:PORT."""
    body = html.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _processes_using(marker: str) -> list[int]:
    """Pids of live processes whose command line mentions `marker` (zombies have none, so never match)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            pids.append(int(entry.name))
    return pids


@contextmanager
def chromium(user_data_dir: Path) -> Iterator[BrowserContext]:
    """A headless Chromium with a fresh profile in `user_data_dir`; afterwards, checks none of it lives on."""
    profile = str(user_data_dir.resolve())
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=chromium_executable(),
                headless=True,
                args=CHROMIUM_ARGS,
                timeout=LAUNCH_TIMEOUT_MS,
            )
            context.set_default_timeout(ACTION_TIMEOUT_MS)
            context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
            try:
                yield context
            finally:
                context.close()
    finally:
        _ensure_gone(profile)


def _ensure_gone(profile: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while (left := _processes_using(profile)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        for pid in left:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        raise AssertionError(f"Chromium processes outlived the browser and were killed: {left}")
