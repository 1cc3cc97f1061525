"""The funds test harness: the real app in-process on a fresh migrated database (real PostgreSQL), tokens
of any tier, as assistance's."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import text

from funds.main import create_app
from fupin_kit.testing import Stack

VILLAGE = "520102016001"
OTHER_VILLAGE = "520102016002"
TOWNSHIP = "520102016000"
OTHER_TOWNSHIP = "520102017000"
COUNTY = "520102000000"
OTHER_COUNTY = "520103000000"
OTHER_COUNTY_VILLAGE = "520103001001"
CITY = "520100000000"
PROVINCE = "520000000000"

PROJECT: dict[str, Any] = {
    "name": "纪念塔社区蔬菜大棚建设项目",
    "category": "industry",
    "nature": "new",
    "division": VILLAGE,
    "year": 2026,
    "starts_on": "2026-03-01",
    "ends_on": "2026-10-31",
    "responsible_unit": "南明区农业农村局",
    "tasks": "新建蔬菜大棚20个，配套灌溉设施。",
    "budget": "1200000.00",
    "financing": [
        {"source": "central", "amount": "800000.00"},
        {"source": "integrated", "amount": "400000.00"},
    ],
    "beneficiaries": {
        "households": 2,
        "people": 7,
        "household_ids": ["7d4f7a52-1111-4c5e-9d7b-0a1b2c3d4e5f"],
    },
    "performance_target": [
        {"indicator": "新建蔬菜大棚数量", "target": "20个"},
        {"indicator": "带动脱贫户户均增收", "target": "≥2000元"},
    ],
    "pro_poor_mechanism": "大棚由村集体经营，优先吸纳脱贫户务工，收益的30%用于脱贫户分红。",
}


def project_body(**overrides: Any) -> dict[str, Any]:
    return {**copy.deepcopy(PROJECT), **overrides}


@dataclass
class Harness:
    app: FastAPI
    client: httpx.AsyncClient
    stack: Stack

    # Test modules cannot import this one (importlib mode): what they share hangs off the harness.
    VILLAGE = VILLAGE
    OTHER_VILLAGE = OTHER_VILLAGE
    TOWNSHIP = TOWNSHIP
    OTHER_TOWNSHIP = OTHER_TOWNSHIP
    COUNTY = COUNTY
    OTHER_COUNTY = OTHER_COUNTY
    OTHER_COUNTY_VILLAGE = OTHER_COUNTY_VILLAGE
    CITY = CITY
    PROVINCE = PROVINCE
    project_body = staticmethod(project_body)

    def auth(self, tier: str, division: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.stack.token(tier, division, list(roles) or ['viewer'])}"}

    def county(self, division: str = COUNTY) -> dict[str, str]:
        return self.auth("county", division, "officer")

    def township(self, division: str = TOWNSHIP) -> dict[str, str]:
        return self.auth("township", division, "officer")

    def village(self, division: str = VILLAGE) -> dict[str, str]:
        return self.auth("village", division, "cadre")

    def city(self, division: str = CITY) -> dict[str, str]:
        return self.auth("city", division, "viewer")

    async def sql(self, statement: str, **params: Any) -> Any:
        async with self.app.state.sessionmaker() as session, session.begin():
            result = await session.execute(text(statement), params)
            return result.all() if result.returns_rows else None

    async def propose(self, headers: dict[str, str] | None = None, **overrides: Any) -> httpx.Response:
        response: httpx.Response = await self.client.post(
            "/projects", json=project_body(**overrides), headers=headers or self.village()
        )
        return response

    async def proposed(self, headers: dict[str, str] | None = None, **overrides: Any) -> str:
        """A proposed project's id (by the village's cadre unless `headers` say otherwise)."""
        response = await self.propose(headers, **overrides)
        assert response.status_code == 201, response.text
        project_id: str = response.json()["id"]
        return project_id

    async def step(
        self,
        project_id: str,
        action: str,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        sent = {**(headers or self.county())}
        if key is not None:
            sent["Idempotency-Key"] = key
        response: httpx.Response = await self.client.post(
            f"/projects/{project_id}/steps/{action}", json=body or {}, headers=sent
        )
        return response

    async def end_notice(self, project_id: str) -> None:
        """Move the project's notice into the past: it went up eleven days ago and came down yesterday."""
        await self.sql(
            "UPDATE project_notices SET starts_on = current_date - 11, ends_on = current_date - 1 "
            "WHERE project_id = CAST(:p AS uuid)",
            p=project_id,
        )

    async def outbox(self) -> list[tuple[str, dict[str, Any]]]:
        """(type, data) of every staged event, in order."""
        rows = await self.sql("SELECT type, payload FROM outbox ORDER BY seq")
        return [(row[0], row[1]["data"]) for row in rows]


@pytest_asyncio.fixture
async def harness(fupin_stack: Stack) -> AsyncIterator[Harness]:
    database = await fupin_stack.fresh_database("funds", "funds")
    app = create_app(fupin_stack.settings("funds", database, role="api"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://funds") as client:
            yield Harness(app, client, fupin_stack)
