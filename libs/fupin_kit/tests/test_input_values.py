"""A value the database cannot store (a NUL character, say) is the caller's error: a 422 problem, and the
request's transaction is rolled back, never a 500. On real PostgreSQL, through the sample service."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from fupin_kit.sample import app as sample
from fupin_kit.service_app import ServiceSpec, create_service_app

COUNTY = "520102000000"


async def test_a_nul_character_is_a_422_problem_and_changes_nothing(fupin_stack):
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    app = create_service_app(
        ServiceSpec(name="sample_producer", title="s", description="s", routers=[sample.router]),
        fupin_stack.settings("sample_producer", database, role="api"),
    )
    headers = {"Authorization": f"Bearer {fupin_stack.token('county', COUNTY, ['officer'])}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sample") as client:
            refused = await client.post(
                "/items", json={"division": COUNTY, "name": "a\u0000b"}, headers=headers
            )
            assert refused.status_code == 422, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert "NUL" in refused.json()["detail"]
            kept = await client.post("/items", json={"division": COUNTY, "name": "ab"}, headers=headers)
            assert kept.status_code == 201, kept.text
        async with app.state.engine.connect() as connection:
            names = (await connection.execute(text("SELECT name FROM sample_items"))).scalars().all()
    assert names == ["ab"]
