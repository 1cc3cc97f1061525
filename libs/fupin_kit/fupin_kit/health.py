"""Liveness and readiness: /healthz says the process is alive, /readyz that it can do its work."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import JSONResponse

from fupin_kit.kafka import make_producer

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "alive"}


async def _database_ok(request: Request) -> bool:
    try:
        async with request.app.state.engine.connect() as connection:
            await asyncio.wait_for(connection.execute(text("SELECT 1")), 2.0)
        return True
    except Exception:
        return False


async def _broker_probe(state: Any) -> AIOKafkaProducer:
    """The process's long-lived probe client, started once. Readiness is polled concurrently (`fupin up`,
    the gateway's aggregate readiness): without the lock each concurrent first call started a client of
    its own and all but the last were dropped running, logged as "Unclosed AIOKafkaProducer" and "Task
    was destroyed but it is pending!" errors at every start-up."""
    lock: asyncio.Lock | None = getattr(state, "broker_probe_lock", None)
    if lock is None:  # no await since the read: no other task can have set it meanwhile
        lock = state.broker_probe_lock = asyncio.Lock()
    async with lock:
        probe: AIOKafkaProducer | None = getattr(state, "broker_probe", None)
        if probe is None:
            probe = make_producer(state.settings)
            try:
                await asyncio.wait_for(probe.start(), 3.0)
            except BaseException:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(probe.stop(), 2.0)
                raise
            state.broker_probe = probe
        return probe


async def _broker_ok(request: Request) -> bool:
    """A metadata round trip on a long-lived probe client."""
    state = request.app.state
    probe: AIOKafkaProducer | None = None
    try:
        probe = await _broker_probe(state)
        await asyncio.wait_for(probe.client.fetch_all_metadata(), 3.0)
        return True
    except Exception:
        if probe is not None:
            if getattr(state, "broker_probe", None) is probe:  # not one another call made since
                state.broker_probe = None
            # A broken probe is replaced on the next call; how it stops does not matter.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(probe.stop(), 2.0)
        return False


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    database, broker = await asyncio.gather(_database_ok(request), _broker_ok(request))
    consumers: dict[str, Any] = {
        loop.group_id: {"running": loop.healthy, "backlog": await loop.backlog(), **loop.stats.__dict__}
        for loop in getattr(request.app.state, "consumers", [])
    }
    relay = getattr(request.app.state, "relay", None)
    consumers_ok = all(entry["running"] for entry in consumers.values())
    ready = database and broker and consumers_ok
    extra: dict[str, Any] = {}
    extra_check = getattr(request.app.state, "extra_readiness", None)
    if extra_check is not None:
        extra_ok, extra = await extra_check(request)
        ready = ready and extra_ok
    body = {
        "status": "ready" if ready else "not-ready",
        "service": request.app.state.settings.service,
        "role": request.app.state.settings.role,
        "database": database,
        "broker": broker,
        "consumers": consumers,
        "relay": None
        if relay is None
        else {"leader": relay.is_leader, "published": relay.published_total, "last_error": relay.last_error},
        **extra,
    }
    return JSONResponse(
        body, status_code=200 if ready else 503, headers={} if ready else {"Retry-After": "2"}
    )
