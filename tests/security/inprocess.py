"""Every Fupin process built in-process on its own freshly migrated database, plus an event pump that
delivers what their outboxes hold to their consumers, so objects created through one service (a household)
exist in the read models of the others (identification) without a broker round trip."""

from __future__ import annotations

import importlib
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from fupin_kit import inbox_repository, outbox_repository
from fupin_kit.envelope import Envelope
from fupin_kit.service_app import ServiceSpec
from fupin_kit.settings import PROCESS_MODULES, PROCESS_NAMES
from fupin_kit.testing import Stack


@dataclass
class Process:
    name: str
    app: FastAPI
    client: httpx.AsyncClient
    database: str

    def openapi(self) -> dict[str, Any]:
        return self.app.openapi()


@asynccontextmanager
async def running_processes(stack: Stack) -> AsyncIterator[dict[str, Process]]:
    """All processes with lifespans entered, API role only (the pump below stands in for relays and
    consumers), rate limits off (the matrix is one caller hammering), the identification test clock on."""
    # The gateway signs with a copy of the session's keys: a key rotation by the matrix (POST
    # /admin/keys/rotate) must not change the keys that every other test's tokens are minted with.
    gateway_keys = Path(tempfile.mkdtemp(prefix="fupin-matrix-keys-"))
    shutil.copytree(stack.keys.directory, gateway_keys, dirs_exist_ok=True)
    processes: dict[str, Process] = {}
    contexts: list[Any] = []
    with pytest.MonkeyPatch.context() as patch:
        try:
            for name in PROCESS_NAMES:
                package = PROCESS_MODULES[name]
                database = await stack.fresh_database(package, name)
                env = stack.env(
                    name,
                    database,
                    FUPIN_ROLE="api",
                    FUPIN_RATE_LIMIT_PER_S="0",
                    FUPIN_TEST_CLOCK="1",
                    # An SSE stream ends on its own soon, so a request for it returns.
                    FUPIN_FEED_STREAM_MAX_S="0.5",
                    FUPIN_FEED_KEEPALIVE_S="0.2",
                )
                if name == "gateway":
                    env["FUPIN_KEYS_DIR"] = str(gateway_keys)
                for key, value in env.items():
                    patch.setenv(key, value)
                app = importlib.import_module(f"{package}.main").create_app()
                context = app.router.lifespan_context(app)
                await context.__aenter__()
                contexts.append(context)
                client = httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url=f"http://{name}", timeout=60
                )
                processes[name] = Process(name, app, client, database)
            yield processes
        finally:
            for process in processes.values():
                await process.client.aclose()
            for context in reversed(contexts):
                await context.__aexit__(None, None, None)
            shutil.rmtree(gateway_keys, ignore_errors=True)


async def pump_events(processes: dict[str, Process], rounds: int = 3) -> int:
    """Deliver every unpublished outbox event of every process to every consumer subscribed to its topic,
    through the inbox exactly as the consumer loop does; repeated so reactions to reactions arrive too."""
    delivered = 0
    for _ in range(rounds):
        pending: list[outbox_repository.PendingEvent] = []
        for process in processes.values():
            async with process.app.state.sessionmaker() as session, session.begin():
                rows = await outbox_repository.claim_unpublished(session, 10_000)
                await outbox_repository.mark_published(session, [row.id for row in rows])
            pending.extend(rows)
        if not pending:
            break
        for row in pending:
            event = Envelope.model_validate(row.payload)
            for process in processes.values():
                spec: ServiceSpec = process.app.state.service_spec
                for consumer in spec.consumers:
                    handler = consumer.handlers.get(event.type, consumer.fallback)
                    if row.topic not in consumer.topics or handler is None:
                        continue
                    async with process.app.state.sessionmaker() as session, session.begin():
                        if await inbox_repository.claim(session, consumer.group_id, event.id, event.type):
                            await handler(session, event)
                            delivered += 1
    return delivered


def new_id() -> str:
    return str(uuid.uuid4())
