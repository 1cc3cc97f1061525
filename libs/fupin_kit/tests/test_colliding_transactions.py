"""A transaction PostgreSQL aborts for colliding with a concurrent one (a deadlock, a serialization
failure) changed nothing and normally succeeds when sent again: a 503 with Retry-After, not a 500, whether
the driver's error arrives bare or wrapped by SQLAlchemy."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from fupin_kit.problems import install_problem_handlers


def _app(error: Exception) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/change")
    async def change() -> None:
        raise error

    return app


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
        DBAPIError("UPDATE x", {}, asyncpg.exceptions.DeadlockDetectedError("deadlock detected")),
    ],
    ids=["deadlock", "serialization", "deadlock-through-sqlalchemy"],
)
async def test_a_colliding_transaction_is_a_503_to_retry(error: Exception) -> None:
    transport = httpx.ASGITransport(app=_app(error), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        response = await client.post("/change")
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"] == "application/problem+json"
    assert "collided with a concurrent change" in response.json()["detail"]


async def test_any_other_database_error_is_still_a_500() -> None:
    transport = httpx.ASGITransport(
        app=_app(asyncpg.exceptions.UndefinedTableError("no such table")), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        response = await client.post("/change")
    assert response.status_code == 500
