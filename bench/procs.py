"""The processes a benchmark runs: its own stack (PostgreSQL + broker in a temp dir), service processes and
the load generator process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from fupin_kit.settings import repository_root
from fupin_kit.testing import ServiceProcess, Stack, start_stack

# The lifetime of the tokens a benchmark mints once for its whole run (Stack.token), which its processes
# accept: a run can outlast the platform's default 15 minutes.
BENCH_TOKEN_LIFETIME_S = 6 * 3600
# The load generator answers with every latency sample of a round: far beyond asyncio's 64 KiB line limit.
PIPE_LIMIT = 256 * 1024 * 1024


def bench_env(**extra: str) -> dict[str, str]:
    """Environment that lets a subprocess import `bench` (a package at the repository root)."""
    root = str(repository_root())
    current = os.environ.get("PYTHONPATH", "")
    return {"PYTHONPATH": f"{root}{os.pathsep}{current}" if current else root, **extra}


@contextlib.contextmanager
def bench_stack() -> Iterator[Stack]:
    """A stack of this benchmark's own, on free ports in a temp dir, removed at the end."""
    root = Path(tempfile.mkdtemp(prefix="fupin-bench-"))
    stack = start_stack(root)
    try:
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextlib.asynccontextmanager
async def running(*processes: ServiceProcess, timeout_s: float = 180.0) -> AsyncIterator[None]:
    """Start processes, wait until each answers /readyz, and always stop them."""
    try:
        for process in processes:
            process.start()
        for process in processes:
            await process.wait_ready(timeout_s)
        yield
    finally:
        for process in reversed(processes):
            try:
                process.terminate(10)
            except Exception:
                process.kill()


def service(module: str, name: str, env: dict[str, str], role: str = "api") -> ServiceProcess:
    # Verifiers refuse tokens that live longer than the platform issues them (fupin_kit.auth.tokens); a
    # benchmark's readers and writers hold one token for the whole run.
    lifetime = {"FUPIN_TOKEN_LIFETIME_S": str(BENCH_TOKEN_LIFETIME_S)}
    return ServiceProcess(module, name, {**lifetime, **env, **bench_env()}, role=role)


class LoadGenerator:
    """The `python -m bench.loadgen` process, driven one JSON command per round."""

    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> LoadGenerator:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.loadgen",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, **bench_env()},
            limit=PIPE_LIMIT,
        )
        return self

    async def run(self, command: dict[str, Any], timeout_s: float = 600.0) -> dict[str, Any]:
        assert self.process is not None and self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(command).encode() + b"\n")
        await self.process.stdin.drain()
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout_s)
        if not line:
            raise RuntimeError(f"load generator exited with {await self.process.wait()}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def __aexit__(self, *exc: object) -> None:
        if self.process is None:
            return
        with contextlib.suppress(Exception):
            assert self.process.stdin is not None
            self.process.stdin.write(b'{"op": "quit"}\n')
            await self.process.stdin.drain()
        try:
            await asyncio.wait_for(self.process.wait(), 5)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def pids(*processes: ServiceProcess) -> list[int]:
    """The operating-system pids of running service processes (for bench.cpu)."""
    return [process.process.pid for process in processes if process.process is not None]
