"""Log lines as JSON (one object per line) or plain text for people."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {})
        if record.exc_info:
            fields = {**fields, "error": self.formatException(record.exc_info)}
        return _json_line(record.created, record.levelname, record.name, record.getMessage(), fields)


def _json_line(created: float, level: str, logger: str, message: str, fields: dict[str, Any]) -> str:
    line = {
        "time": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),
        "level": level.lower(),
        "logger": logger,
        "message": message,
        **fields,
    }
    return orjson.dumps(line).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        text = super().format(record)
        if fields:
            text += " " + " ".join(f"{key}={value}" for key, value in fields.items())
        return text


class BufferedStreamHandler(logging.Handler):
    """Lines written together once per event-loop turn: one write and flush for many requests.

    Outside a running loop (start-up, shutdown, threads) each line is written at once.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        self._pending: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + "\n"
        except Exception:
            self.handleError(record)
            return
        self._queue(line)

    def _queue(self, line: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._write([line])
            return
        if not self._pending:
            loop.call_soon(self.flush)
        self._pending.append(line)

    def emit_info(self, logger: logging.Logger, message: str, fields: dict[str, Any]) -> None:
        """What `logger.info(message, extra={"fields": fields})` writes, without a LogRecord:
        making one was half the access line's cost (py-spy, under load). JSON only."""
        if self.level > logging.INFO or not isinstance(self.formatter, JsonFormatter) or logger.filters:
            logger.info(message, extra={"fields": fields})
            return
        self._queue(_json_line(time.time(), "info", logger.name, message, fields) + "\n")

    def flush(self) -> None:
        lines, self._pending = self._pending, []
        if lines:
            self._write(lines)

    def _write(self, lines: list[str]) -> None:
        self.acquire()
        try:
            self._stream.write("".join(lines))
            self._stream.flush()
        except OSError:
            pass  # a closed or broken stderr must not take a request down with it
        finally:
            self.release()


def log_info(logger: logging.Logger, message: str, fields: dict[str, Any]) -> None:
    """An info line with structured fields, the short way when our handler alone writes it."""
    root = logging.getLogger()
    handlers = root.handlers
    if logger.propagate and not logger.handlers and not root.filters and len(handlers) == 1:
        handler = handlers[0]
        if isinstance(handler, BufferedStreamHandler):
            handler.emit_info(logger, message, fields)
            return
    logger.info(message, extra={"fields": fields})


def configure_logging(level: str, fmt: str) -> None:
    handler = BufferedStreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
