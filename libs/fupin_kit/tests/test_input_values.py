"""A value the database cannot store (a NUL character, say) is the caller's error: a 422 problem, and the
request's transaction is rolled back, never a 500. On real PostgreSQL, through the sample service."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from fupin_kit.sample import app as sample
from fupin_kit.service_app import ServiceSpec, create_service_app

COUNTY = "520102000000"


async def _sample_service(fupin_stack: Any) -> tuple[FastAPI, dict[str, str]]:
    """The sample service on a fresh database, and a county officer's headers for it."""
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    app = create_service_app(
        ServiceSpec(name="sample_producer", title="s", description="s", routers=[sample.router]),
        fupin_stack.settings("sample_producer", database, role="api"),
    )
    return app, {"Authorization": f"Bearer {fupin_stack.token('county', COUNTY, ['officer'])}"}


async def test_a_nul_character_is_a_422_problem_and_changes_nothing(fupin_stack):
    app, headers = await _sample_service(fupin_stack)
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


async def test_an_unreadable_body_and_a_wrong_method_are_documented_problems(fupin_stack):
    """A body FastAPI cannot decode (invalid UTF-8, JSON nested past the parser) is the documented 422, not
    an undocumented 400 "HTTP Error"; a 405 names every method of the resource in Allow (RFC 9110)."""
    app, headers = await _sample_service(fupin_stack)
    json_headers = {**headers, "content-type": "application/json"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sample") as client:
            for body in (b'{"division": "520102000000", "name": "\xff\xfe"}', b"[" * 5000 + b"]" * 5000):
                refused = await client.post("/items", content=body, headers=json_headers)
                assert refused.status_code == 422, refused.text
                assert refused.headers["content-type"].startswith("application/problem+json")
                assert "cannot be read" in refused.json()["detail"]
            wrong = await client.delete("/items", headers=headers)
            assert wrong.status_code == 405
            assert wrong.json()["title"] == "Method Not Allowed"
            assert wrong.headers["allow"] == "GET, HEAD, POST"
            one = await client.put("/items/5f0c7c55-8f5e-4a84-a64c-0b5c2c0a9f00", headers=headers)
            assert one.status_code == 405 and one.headers["allow"] == "GET, HEAD"


async def test_a_query_parameter_named_twice_is_refused(fupin_stack):
    """No route takes a list in its query; FastAPI kept a repeated parameter's last value, so a request was
    answered for a value a log or a proxy reading the first one never saw."""
    app, headers = await _sample_service(fupin_stack)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sample") as client:
            twice = await client.get("/items?limit=5&limit=1000&after=x&after=y", headers=headers)
            assert twice.status_code == 422
            assert twice.headers["content-type"].startswith("application/problem+json")
            assert [error["loc"] for error in twice.json()["errors"]] == [
                ["query", "limit"],
                ["query", "after"],
            ]
            once = await client.get("/items?limit=5", headers=headers)
            assert once.status_code == 200, once.text
