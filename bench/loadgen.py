"""The load generator, run as its own process (`python -m bench.loadgen`) so it never shares an event loop
(or a GIL) with the servers it measures.

It speaks minimal HTTP/1.1 over keep-alive connections instead of using httpx: an httpx client costs more
CPU per request than a bare FastAPI endpoint, so it would cap both arms and flatter the ratio. It reads one
JSON command per line on stdin and answers one JSON line on stdout:

- {"op": "closed", ..., "requests": N, "concurrency": C}: C connections, each sends its next request as
  soon as the previous answer arrived, until N requests are done (throughput and latency);
- {"op": "open", ..., "rate": R, "duration_s": D, "concurrency": C}: request i is due at i/R seconds; its
  latency counts from when it was due, so a slow server cannot hide queueing (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any


class HttpError(Exception):
    pass


@dataclass
class Target:
    host: str
    port: int
    method: str
    paths: list[str]
    headers: dict[str, str]
    body: bytes | None = None
    requests: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        extra = "".join(f"{key}: {value}\r\n" for key, value in self.headers.items())
        if self.body is not None:
            extra += f"content-type: application/json\r\ncontent-length: {len(self.body)}\r\n"
        for path in self.paths:
            head = f"{self.method} {path} HTTP/1.1\r\nhost: {self.host}:{self.port}\r\n{extra}\r\n"
            self.requests.append(head.encode("latin-1") + (self.body or b""))


class Connection:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.target.host, self.target.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
            self.writer = None

    async def request(self, raw: bytes) -> int:
        if self.writer is None or self.reader is None:
            await self.open()
        assert self.writer is not None and self.reader is not None
        self.writer.write(raw)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if line:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip().lower()
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            await self._read_chunked(self.reader)
        else:
            raise HttpError("response without a length")
        if headers.get("connection") == "close":
            await self.close()
        return status

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> None:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # the empty trailer section
                return
            await reader.readexactly(size + 2)


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: int = 0

    def record(self, started: float, status: int | None) -> None:
        if status is None:
            self.errors += 1
            return
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1


async def _one(connection: Connection, raw: bytes) -> int | None:
    try:
        return await connection.request(raw)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, HttpError, ValueError):
        await connection.close()  # the next request reconnects
        return None


async def run(command: dict[str, Any]) -> dict[str, Any]:
    target = Target(
        host=command["host"],
        port=int(command["port"]),
        method=command.get("method", "GET"),
        paths=list(command["paths"]),
        headers=dict(command.get("headers", {})),
        body=command["body"].encode() if command.get("body") is not None else None,
    )
    connections = [Connection(target) for _ in range(int(command["concurrency"]))]
    # Connections open before the clock starts: both arms are measured on warm keep-alive connections.
    await asyncio.gather(*(connection.open() for connection in connections))
    outcome = Outcome()
    tickets = itertools.count()
    started = time.perf_counter()
    if command["op"] == "closed":
        total = int(command["requests"])

        async def closed_worker(connection: Connection) -> None:
            while (index := next(tickets)) < total:
                sent = time.perf_counter()
                outcome.record(sent, await _one(connection, target.requests[index % len(target.requests)]))

        await asyncio.gather(*(closed_worker(connection) for connection in connections))
    else:
        interval = 1.0 / float(command["rate"])
        total = int(float(command["rate"]) * float(command["duration_s"]))

        async def open_worker(connection: Connection) -> None:
            while (index := next(tickets)) < total:
                due = started + index * interval
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                outcome.record(due, await _one(connection, target.requests[index % len(target.requests)]))

        await asyncio.gather(*(open_worker(connection) for connection in connections))
    elapsed = time.perf_counter() - started
    await asyncio.gather(*(connection.close() for connection in connections))
    return {
        "elapsed_s": elapsed,
        "latencies_ms": outcome.latencies_ms,
        "statuses": outcome.statuses,
        "errors": outcome.errors,
    }


async def serve() -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        command = json.loads(line)
        if command["op"] == "quit":
            return
        sys.stdout.write(json.dumps(await run(command)) + "\n")
        sys.stdout.flush()


def main() -> None:
    try:
        import uvloop

        uvloop.run(serve())
    except ImportError:
        asyncio.run(serve())


if __name__ == "__main__":
    main()
