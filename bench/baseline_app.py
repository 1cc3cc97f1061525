"""The raw baseline of B3/B5: a bare FastAPI endpoint running the registry's household read (the same two
SQL statements) on an asyncpg pool, with no token check, no jurisdiction from a token, no tracing, no
middleware. The subtree bounds arrive as query parameters, so the SQL is the platform's, parameters
included. Served exactly like a service (fupin_kit.runner: uvicorn, one process, same loop and parser).

Run: `python -m bench.baseline_app --port N` with BENCH_BASELINE_DSN set to a registry database.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException

from fupin_kit.read_pool import keep_session

# As the registry's repository issues them (SQLAlchemy renders select(table) with every column).
HOUSEHOLD_SQL = "SELECT * FROM households WHERE id = $1 AND division BETWEEN $2 AND $3"
MEMBERS_SQL = "SELECT * FROM household_members WHERE household_id = $1 ORDER BY seq"
# Never returned, as in the platform's answer above the county tier: ciphertexts and blind indexes.
HIDDEN_SUFFIXES = ("_cipher", "_index", "_blind")


def _visible(row: asyncpg.Record) -> dict[str, Any]:
    return {key: value for key, value in row.items() if not key.endswith(HIDDEN_SUFFIXES)}


def create_app() -> FastAPI:
    dsn = os.environ["BENCH_BASELINE_DSN"]
    pool_size = int(os.environ.get("FUPIN_DATABASE_POOL_SIZE", "10"))
    state: dict[str, asyncpg.Pool] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Released connections are not reset, as in the registry's read pool (a round trip either saves).
        state["pool"] = await asyncpg.create_pool(dsn, min_size=1, max_size=pool_size, reset=keep_session)
        try:
            yield
        finally:
            await state["pool"].close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    @app.get("/households/{household_id}")
    async def read_household(household_id: uuid.UUID, lo: str, hi: str) -> dict[str, Any]:
        async with state["pool"].acquire() as connection:
            household = await connection.fetchrow(HOUSEHOLD_SQL, household_id, lo, hi)
            if household is None:
                raise HTTPException(404)
            members = await connection.fetch(MEMBERS_SQL, household_id)
        body = _visible(household)
        body["members"] = [_visible(member) | {"resident_id": member["id_masked"]} for member in members]
        return body

    return app


if __name__ == "__main__":
    from fupin_kit.runner import serve

    serve("bench-baseline", "bench.baseline_app:create_app")
