"""The access log's writer: lines from one event-loop turn go out in one write, none is lost."""

from __future__ import annotations

import asyncio
import io
import json
import logging

from entrypoints.logs import BufferedStreamHandler, JsonFormatter, log_info


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def _logger(stream: CountingStream) -> logging.Logger:
    logger = logging.getLogger(f"test-buffered-{id(stream)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = BufferedStreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.handlers[:] = [handler]
    return logger


def test_lines_of_one_loop_turn_are_written_once_after_it() -> None:
    stream = CountingStream()
    logger = _logger(stream)

    async def requests() -> str:
        for n in range(3):
            logger.info("request %d", n)
        written_during_the_turn = stream.getvalue()
        await asyncio.sleep(0)  # the turn ends; the flush scheduled by the first line runs
        return written_during_the_turn

    assert asyncio.run(requests()) == ""
    assert stream.getvalue() == "request 0\nrequest 1\nrequest 2\n"
    assert stream.writes == 1


def test_outside_a_loop_each_line_is_written_at_once() -> None:
    stream = CountingStream()
    _logger(stream).info("starting")
    assert stream.getvalue() == "starting\n"


def test_flush_writes_what_is_pending_when_the_loop_stops_first() -> None:
    stream = CountingStream()
    logger = _logger(stream)

    async def last_words() -> None:
        logger.info("shutting down")

    asyncio.run(last_words())  # asyncio.run runs the scheduled callbacks before it closes the loop
    logger.handlers[0].flush()
    assert stream.getvalue() == "shutting down\n"


def test_the_short_info_path_writes_the_line_logging_would() -> None:
    """log_info skips the LogRecord; the JSON line must be the same but for the time."""
    stream = CountingStream()
    handler = BufferedStreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    root.handlers[:], root.level = [handler], logging.INFO
    try:
        logger = logging.getLogger("todo_api.access")
        fields = {"request_id": "r1", "status": 200, "route": "/api/tasks", "duration_ms": 1.5}
        logger.info("request", extra={"fields": fields})
        log_info(logger, "request", fields)
    finally:
        root.handlers[:], root.level = saved, level
    by_logging, by_short_path = (json.loads(line) for line in stream.getvalue().splitlines())
    assert by_logging.pop("time")[:16] == by_short_path.pop("time")[:16]
    assert by_logging == by_short_path == {
        "level": "info", "logger": "todo_api.access", "message": "request", **fields
    }  # fmt: skip
