"""A request body larger than a route accepts is refused with a 413 problem document before it is parsed,
and changes nothing; whether the client announced its length or streamed it in chunks. On real PostgreSQL,
through the sample service."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson
from sqlalchemy import text

from fupin_kit.sample import app as sample
from fupin_kit.service_app import ServiceSpec, create_service_app

COUNTY = "520102000000"
LIMIT = 4096


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 1000):
        yield body[start : start + 1000]


async def test_an_oversized_body_is_a_413_problem_and_changes_nothing(fupin_stack):
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    settings = fupin_stack.settings("sample_producer", database, role="api")
    app = create_service_app(
        ServiceSpec(name="sample_producer", title="s", description="s", routers=[sample.router]),
        settings.model_copy(update={"max_body_bytes": LIMIT}),
    )
    headers = {
        "Authorization": f"Bearer {fupin_stack.token('county', COUNTY, ['officer'])}",
        "X-Request-ID": "limit-test-1",
    }
    oversized = orjson.dumps({"division": COUNTY, "name": "x" * (LIMIT + 10)})
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sample") as client:
            announced = await client.post(
                "/items", content=oversized, headers={**headers, "Content-Type": "application/json"}
            )
            streamed = await client.post(
                "/items", content=_chunks(oversized), headers={**headers, "Content-Type": "application/json"}
            )
            for refused in (announced, streamed):
                assert refused.status_code == 413, refused.text
                assert refused.headers["content-type"].startswith("application/problem+json")
                problem = refused.json()
                assert problem["status"] == 413
                assert problem["title"] == "Content Too Large"
                assert problem["instance"] == "/items"
                # Streamed or announced, the same documented problem (a streamed one was about:blank).
                assert problem["type"].endswith("/content-too-large"), problem
                assert problem["max_bytes"] == LIMIT
            assert announced.json()["max_bytes"] == LIMIT
            assert announced.headers["x-request-id"] == "limit-test-1"
            kept = await client.post("/items", json={"division": COUNTY, "name": "ab"}, headers=headers)
            assert kept.status_code == 201, kept.text
        async with app.state.engine.connect() as connection:
            names = (await connection.execute(text("SELECT name FROM sample_items"))).scalars().all()
    assert names == ["ab"]
