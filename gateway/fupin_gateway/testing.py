"""The gateway in-process, for tests: its real app and lifespan on a fresh database of the test stack
(fupin_kit.testing.Stack), called through httpx's ASGI transport from one fixed client address (what the
access audit and the sign-in lockout record)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI

from fupin_gateway.config import GatewaySettings
from fupin_gateway.main import create_app
from fupin_kit.testing import Stack

CLIENT_ADDRESS = ("10.1.2.3", 40000)


@contextlib.asynccontextmanager
async def in_process_gateway(
    stack: Stack, database: str | None = None, **overrides: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """`overrides`: GatewaySettings fields (rate limits, lockout, upstreams…) for this gateway."""
    database = database or await stack.fresh_database("fupin_gateway", "gateway")
    values = stack.settings("gateway", database, role="api").model_dump()
    values.update(overrides)
    app = create_app(GatewaySettings(**values))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=CLIENT_ADDRESS)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield app, client
