"""`todo-api serve`'s HTTP protocol: a response leaves in one write, and no byte is lost or late."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from entrypoints.http.protocol import CoalescingHttpToolsProtocol

REQUEST = b"GET /tasks HTTP/1.1\r\nHost: example.test\r\n\r\n"


class RecordingTransport(asyncio.Transport):
    """What a socket would have been asked to send, write by write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if scope["path"] == "/nothing":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [(b"content-type", b"application/json"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"[]"})


async def _serve(requests: bytes, *, keep_alive: bool = True) -> RecordingTransport:
    config = Config(_app, log_level="warning", http="httptools")
    protocol = CoalescingHttpToolsProtocol(config, ServerState(), {}, _loop=asyncio.get_running_loop())
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(
        requests if keep_alive else requests.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
    )
    for _ in range(20):  # a few loop turns: the app runs as a task, the flush after it
        await asyncio.sleep(0)
    protocol.connection_lost(None)
    return transport


async def test_status_line_headers_and_body_leave_in_one_write() -> None:
    transport = await _serve(REQUEST)
    assert len(transport.writes) == 1
    response = transport.writes[0]
    assert response.startswith(b"HTTP/1.1 200 OK\r\n")
    assert response.endswith(b"\r\n\r\n[]")


async def test_pipelined_requests_each_get_their_whole_response_in_order() -> None:
    transport = await _serve(REQUEST * 3)
    sent = b"".join(transport.writes)
    assert sent.count(b"HTTP/1.1 200 OK\r\n") == 3
    assert sent.endswith(b"\r\n\r\n[]")


async def test_a_closing_response_is_sent_before_the_connection_closes() -> None:
    transport = await _serve(REQUEST, keep_alive=False)
    assert transport.closed
    assert len(transport.writes) == 1
    assert transport.writes[0].endswith(b"\r\n\r\n[]")


async def test_a_response_without_a_body_is_not_held_back() -> None:
    transport = await _serve(REQUEST.replace(b"/tasks", b"/nothing"))
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 204 No Content\r\n")
    assert transport.writes[0].endswith(b"\r\n\r\n")
