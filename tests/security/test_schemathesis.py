"""Schemathesis against every process's OpenAPI document: zero server errors, zero schema violations.

Each process runs in-process on its own migrated database behind a loopback uvicorn server; Hypothesis
drives a bounded, derandomized number of positive and negative cases per operation from a worker thread
(schemathesis' transport is synchronous), as a county officer holding every role."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from fupin_kit.embedded import free_port
from tests.security.inprocess import Process, running_processes
from tests.security.matrix import ALL_ROLES, OWNER_CHAIN

MAX_EXAMPLES = 12
CHECKS = [not_a_server_error, response_schema_conformance]


@asynccontextmanager
async def served(process: Process) -> AsyncIterator[str]:
    """The already started app on a loopback port (its lifespan is owned by running_processes)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(process.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 20)


def fuzz(document: dict[str, Any], base_url: str, token: str) -> list[str]:
    """Run every operation's cases; collect failures instead of raising, so Hypothesis never shrinks."""
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    for result in schema.get_all_operations():
        # An operation schemathesis cannot even load is a failure of the document itself.
        operation = result.ok()  # type: ignore[union-attr]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _runner(operation, mode, base_url, headers, failures)()
            except Unsatisfiable:
                # Nothing to generate in this mode (no parameters or body to make invalid).
                continue
    return failures


def _runner(
    operation: Any, mode: GenerationMode, base_url: str, headers: dict[str, str], failures: list[str]
) -> Any:
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as exc:
            failures.append(f"{operation.label} [{mode.value}]: {str(exc).strip()[:600]}")

    return run


async def test_schemathesis_every_process(fupin_stack) -> None:
    token = fupin_stack.token("county", OWNER_CHAIN["county"], ALL_ROLES, subject="schemathesis")
    failures: list[str] = []
    async with running_processes(fupin_stack) as processes:
        for name, process in processes.items():
            async with served(process) as base_url:
                found = await asyncio.to_thread(fuzz, process.openapi(), base_url, token)
            failures += [f"{name}: {failure}" for failure in found]
    assert not failures, f"{len(failures)} schemathesis failures:\n" + "\n\n".join(failures)
