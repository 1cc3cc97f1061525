"""PostgreSQL stopped for a while: the API answers 503 with Retry-After (never a 500 or a hang), and the
connection pool recovers by itself when the database is back."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from sqlalchemy import literal_column, select

from fupin_kit import migrations
from fupin_kit.embedded import EmbeddedPostgres, free_port
from fupin_kit.problems import is_database_outage
from fupin_kit.read_pool import ReadPool, ReadStatement
from fupin_kit.sample import app as sample
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.testing import InProcessServer

DIVISION = "520102001001"


@pytest.mark.faults
async def test_database_stopped_gives_503_then_recovers(fupin_stack, tmp_path):
    # A PostgreSQL of its own, so stopping it does not disturb the rest of the suite.
    postgres = EmbeddedPostgres(tmp_path / "pg", free_port())
    await asyncio.to_thread(postgres.start)
    try:
        settings = fupin_stack.settings("sample_producer", role="api").model_copy(
            update={"database_url": postgres.url}
        )
        await migrations.ensure_database(postgres.url, settings.database_name())
        await migrations.upgrade("fupin_kit.sample", settings.service_database_url())
        app = create_service_app(
            ServiceSpec(name="sample_producer", title="s", description="s", routers=[sample.router]), settings
        )
        token = fupin_stack.token("village", DIVISION, ["cadre"])
        headers = {"Authorization": f"Bearer {token}"}
        async with InProcessServer(app) as server, httpx.AsyncClient(timeout=30) as client:
            ok = await client.post(
                f"{server.url}/items", json={"division": DIVISION, "name": "before"}, headers=headers
            )
            assert ok.status_code == 201

            await asyncio.to_thread(postgres.stop, "immediate")
            for name in ("during-1", "during-2", "during-3"):
                started = time.monotonic()
                down = await client.post(
                    f"{server.url}/items", json={"division": DIVISION, "name": name}, headers=headers
                )
                elapsed = time.monotonic() - started
                assert down.status_code == 503, down.text
                assert down.headers["retry-after"].isdigit()
                assert down.headers["content-type"].startswith("application/problem+json")
                assert elapsed < 15, f"answer took {elapsed:.1f}s: a client must not hang"
            not_ready = await client.get(f"{server.url}/readyz")
            assert not_ready.status_code == 503 and not_ready.json()["database"] is False

            await asyncio.sleep(10)
            await asyncio.to_thread(postgres.start)
            deadline = time.monotonic() + 30
            while True:
                after = await client.post(
                    f"{server.url}/items", json={"division": DIVISION, "name": "after"}, headers=headers
                )
                if after.status_code == 201 or time.monotonic() > deadline:
                    break
                assert after.status_code == 503
                await asyncio.sleep(0.5)
            assert after.status_code == 201, after.text
            # Nothing written during the outage: only the two accepted items exist.
            async with app.state.sessionmaker() as session:
                from sqlalchemy import text

                names = sorted((await session.execute(text("SELECT name FROM sample_items"))).scalars())
            assert names == ["after", "before"]
    finally:
        await asyncio.to_thread(postgres.stop, "immediate")


@pytest.mark.faults
async def test_read_pool_outage_is_an_outage_and_the_pool_recovers(fupin_stack, tmp_path):
    """The read pool (fupin_kit.read_pool) raises asyncpg's own errors: while PostgreSQL is down they are
    classified as an outage (answered 503 like the engine's), and once it is back the pool replaces its
    broken connections by itself."""
    postgres = EmbeddedPostgres(tmp_path / "pg", free_port())
    await asyncio.to_thread(postgres.start)
    statement = ReadStatement.of(select(literal_column("1").label("one")))
    settings = fupin_stack.settings("sample_producer", role="api").model_copy(
        update={"database_url": postgres.url}
    )
    reads = ReadPool(settings, size=2)
    try:
        await migrations.ensure_database(postgres.url, settings.database_name())
        await reads.open()
        async with reads.connection() as connection:
            assert (await connection.fetchrow(statement, {}) or {})["one"] == 1

        await asyncio.to_thread(postgres.stop, "immediate")
        for _ in range(2):
            with pytest.raises(Exception) as failure:  # which one depends on the moment
                async with reads.connection() as connection:
                    await connection.fetchrow(statement, {})
            assert is_database_outage(failure.value), repr(failure.value)

        await asyncio.to_thread(postgres.start)
        async with reads.connection() as connection:
            assert (await connection.fetchrow(statement, {}) or {})["one"] == 1
    finally:
        await reads.close()
        await asyncio.to_thread(postgres.stop, "immediate")
