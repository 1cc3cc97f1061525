"""Registry test harness: the real national tree, loaded once per session.

Loading 665k rows costs seconds, so it happens once: a migrated database is loaded (by two concurrent
loaders, which also proves the advisory lock) and then never connected to again, serving as a
template. Read-only tests share one copy of it; tests that write get their own copy
(CREATE DATABASE … TEMPLATE copies the data, far cheaper than loading).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI

from fupin_kit import migrations
from fupin_kit.db import create_engine
from fupin_kit.testing import Stack
from registry.divisions.loader import LoadResult, load_divisions
from registry.main import create_app

_copies = itertools.count(1)


@dataclass
class TreeTemplate:
    name: str
    results: list[LoadResult]


@dataclass
class Registry:
    """An in-process registry app on a database, and a way to call it as some tier."""

    app: FastAPI
    client: httpx.AsyncClient
    database: str
    stack: Stack

    def auth(self, tier: str, division: str, roles: list[str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.stack.token(tier, division, roles or ['viewer'])}"}

    async def imported(self, content: bytes, name: str, headers: dict[str, str]) -> dict[str, Any]:
        """Upload a 登记表 as `headers` say and wait for the import to finish: its final status."""
        response = await self.client.post("/imports", files={"file": (name, content)}, headers=headers)
        assert response.status_code == 202, response.text
        return await self.finished(response.json()["id"], headers)

    async def finished(self, import_id: str, headers: dict[str, str]) -> dict[str, Any]:
        """Wait for an import already uploaded to finish: its final status."""
        for _ in range(600):
            polled = await self.client.get(f"/imports/{import_id}", headers=headers)
            body: dict[str, Any] = polled.json()
            if body["finished_at"] is not None:
                return body
            await asyncio.sleep(0.05)
        raise AssertionError("the import did not finish")


@pytest_asyncio.fixture(scope="session")
async def tree_template(fupin_stack: Stack) -> TreeTemplate:
    name = await fupin_stack.fresh_database("registry", "registry")
    settings = fupin_stack.settings("registry", name)
    engines = [create_engine(settings, pool_size=1) for _ in range(2)]
    try:
        results = list(await asyncio.gather(*(load_divisions(engine) for engine in engines)))
    finally:
        for engine in engines:
            await engine.dispose()
    return TreeTemplate(name, results)


async def copy_tree(stack: Stack, template: TreeTemplate) -> str:
    name = f"reg_tree_{next(_copies)}"
    await migrations.drop_database(stack.database_url, name)
    await migrations.ensure_database(stack.database_url, name, template=template.name)
    return name


async def _started(stack: Stack, database: str) -> AsyncIterator[Registry]:
    app = create_app(stack.settings("registry", database, role="api"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
            yield Registry(app, client, database, stack)


@pytest_asyncio.fixture(scope="session")
async def registry(fupin_stack: Stack, tree_template: TreeTemplate) -> AsyncIterator[Registry]:
    """Shared, read-only: the loaded tree and the seeded standards. Tests must not write through it."""
    database = await copy_tree(fupin_stack, tree_template)
    async for started in _started(fupin_stack, database):
        yield started


@pytest_asyncio.fixture
async def writable_registry(fupin_stack: Stack, tree_template: TreeTemplate) -> AsyncIterator[Registry]:
    """A private copy of the loaded database, for tests that write."""
    database = await copy_tree(fupin_stack, tree_template)
    try:
        async for started in _started(fupin_stack, database):
            yield started
    finally:
        await migrations.drop_database(fupin_stack.database_url, database)
