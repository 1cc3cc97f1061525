"""A request uvicorn's HTTP parser refuses never reaches the app; its 400 is still a problem document.

A real uvicorn server with the runner's protocol class on a loopback port, sent raw bytes over a socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import orjson
import pytest
import uvicorn

from fupin_kit.http_protocol import ProblemHttpToolsProtocol
from fupin_kit.problems import TYPE_BASE


async def _app(
    scope: dict[str, object], receive: object, send: Callable[[dict[str, object]], Awaitable[None]]
) -> None:
    assert scope["type"] == "http"
    body = b'{"ok":true}'
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"11")],
        }
    )
    await send({"type": "http.response.body", "body": body})


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


async def _exchange(port: int, data: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send raw bytes, read until the server closes; the status line, headers and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)  # to EOF: the server closes after a 400
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status_line, headers, body


MALFORMED = {
    "control byte in a header value": b"GET / HTTP/1.1\r\nHost: x\r\nX-Note: a\x01b\r\n\r\n",
    "invalid character in a header name": b"GET / HTTP/1.1\r\nHost: x\r\nX Note: b\r\n\r\n",
    "70,000-character URL": b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "TLS hello to the plain port": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(32)),
    "malformed request line": b"GET\r\n\r\n",
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=list(MALFORMED))
async def test_an_unparsable_request_gets_a_problem_document(port: int, data: bytes) -> None:
    status_line, headers, body = await _exchange(port, data)
    assert status_line == "HTTP/1.1 400 Bad Request"
    assert headers["content-type"] == "application/problem+json"
    assert headers["content-length"] == str(len(body))
    assert headers["connection"] == "close"
    assert headers["x-content-type-options"] == "nosniff"
    problem = orjson.loads(body)
    assert problem == {
        "type": TYPE_BASE + "malformed-request",
        "title": "Bad Request",
        "status": 400,
        "detail": "the request could not be parsed as HTTP/1.1",
    }


async def test_a_well_formed_request_still_reaches_the_app(port: int) -> None:
    status_line, headers, body = await _exchange(
        port, b"GET /x?y=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert status_line == "HTTP/1.1 200 OK"
    assert headers["content-type"] == "application/json"
    assert orjson.loads(body) == {"ok": True}
