"""An answer's header block leaves with its body (fupin_kit.http_protocol._HeaderBlockHeld), and nothing an
answer sends is held back: streams open at once, HEAD answers, interim 100 Continue, keep-alive and close.

The write-joining is seen on a transport that records its writes; the rest on a real uvicorn server with the
runner's protocol class, over a loopback socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import uvicorn

from fupin_kit.http_protocol import ProblemHttpToolsProtocol, _HeaderBlockHeld

HEADERS = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class RecordingTransport:
    """What a response's writer hands the socket: each write as one item."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


def _held(transport: RecordingTransport) -> _HeaderBlockHeld:
    return _HeaderBlockHeld(transport)  # type: ignore[arg-type]


async def test_the_header_block_and_the_body_leave_in_one_write() -> None:
    transport = RecordingTransport()
    writer = _held(transport)
    writer.write(HEADERS)
    assert transport.writes == []
    writer.write(b"ok")
    assert transport.writes == [HEADERS + b"ok"]
    await asyncio.sleep(0)  # the fallback flush has nothing left to send
    assert transport.writes == [HEADERS + b"ok"]


async def test_a_header_block_without_a_body_yet_leaves_on_the_next_turn() -> None:
    transport = RecordingTransport()
    writer = _held(transport)
    writer.write(HEADERS)
    await asyncio.sleep(0)
    assert transport.writes == [HEADERS]
    writer.write(b"ok")
    assert transport.writes == [HEADERS, b"ok"]


async def test_only_the_header_block_is_held() -> None:
    transport = RecordingTransport()
    writer = _held(transport)
    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    writer.write(HEADERS)
    writer.write(b"o")
    writer.write(b"k")
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n", HEADERS + b"o", b"k"]


async def test_a_close_sends_what_is_held_first() -> None:
    transport = RecordingTransport()
    writer = _held(transport)
    writer.write(HEADERS)
    writer.close()
    assert transport.writes == [HEADERS]
    assert transport.closed
    await asyncio.sleep(0)
    assert transport.writes == [HEADERS]


Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


async def _app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    if scope["path"] == "/stream":
        start = {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/event-stream")],
        }
        await send(start)
        await asyncio.sleep(1.0)  # the first event comes late; the stream must be open meanwhile
        await send({"type": "http.response.body", "body": b"data: 1\n\n", "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    answer = b"echo:" + body if body else b"ok"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(answer)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": answer})


@pytest.fixture
async def port() -> AsyncIterator[int]:
    config = uvicorn.Config(
        _app,
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_level="error",
        access_log=False,
        http=ProblemHttpToolsProtocol,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 20)


async def _read_answer(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    body = await asyncio.wait_for(reader.readexactly(length), 5) if length else b""
    return head, body


async def test_answers_on_one_kept_alive_connection_arrive_whole(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(3):
            writer.write(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
            head, body = await _read_answer(reader)
            assert head.startswith(b"HTTP/1.1 200 OK\r\n")
            assert body == b"ok"
        writer.write(b"GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        rest = await asyncio.wait_for(reader.read(), 5)  # to EOF: the server closes after answering
        assert rest.startswith(b"HTTP/1.1 200 OK\r\n")
        assert rest.endswith(b"\r\n\r\nok")
    finally:
        writer.close()


async def test_a_head_answer_arrives(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b"content-length: 2\r\n" in head
    finally:
        writer.close()


async def test_a_stream_is_open_before_its_first_event(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 0.8)  # before the event's 1 s
        assert head.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b"transfer-encoding: chunked\r\n" in head
        chunk = await asyncio.wait_for(reader.readuntil(b"0\r\n\r\n"), 5)
        assert b"data: 1\n\n" in chunk
    finally:
        writer.close()


async def test_an_expect_continue_upload_gets_its_interim_answer_then_the_answer(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        writer.write(b"hello")
        head, body = await _read_answer(reader)
        assert head.startswith(b"HTTP/1.1 200 OK\r\n")
        assert body == b"echo:hello"
    finally:
        writer.close()
