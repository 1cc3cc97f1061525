"""Pytest fixtures backed by real components: one embedded PostgreSQL and one Tansu broker per session.

- `fupin_stack`: the running stack (URLs, token minting, fresh databases, topic creation).
- `service_processes`: start real service processes; all are stopped at the end of the test.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from fupin_kit.embedded import remove_tree
from fupin_kit.testing import ServiceProcess, Stack, start_stack


@pytest.fixture(scope="session")
def fupin_stack() -> Iterator[Stack]:
    # Not under pytest's basetemp: a later pytest session on the same machine prunes old basetemp
    # folders, and pruning a running PostgreSQL's data directory crashes it mid-suite.
    root = Path(tempfile.mkdtemp(prefix="fupin-stack-"))
    stack = start_stack(root, durable=False)
    try:
        yield stack
    finally:
        stack.stop()
        remove_tree(root)


class ProcessGroup:
    def __init__(self) -> None:
        self.started: list[ServiceProcess] = []

    def start(self, process: ServiceProcess) -> ServiceProcess:
        process.start()
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            try:
                process.terminate(10)
            except Exception:
                process.kill()


@pytest_asyncio.fixture
async def service_processes() -> AsyncIterator[ProcessGroup]:
    group = ProcessGroup()
    try:
        yield group
    finally:
        group.stop_all()
