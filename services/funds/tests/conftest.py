"""The funds test harness: the real app in-process on a fresh migrated database (real PostgreSQL), tokens
of any tier, as assistance's."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import text

from funds.main import create_app
from funds.readmodel import handlers
from fupin_contracts import registry as registry_contracts
from fupin_kit.envelope import Envelope, new_event
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


PAYMENT: dict[str, Any] = {
    "benefit": "industry_subsidy",
    "period": "2026",
    "amount": "1000.00",
    "standard": "1000.00",
    "paid_on": "2026-03-15",
}


def registry_event(event_type: str, household_id: uuid.UUID, division: str, payload: Any) -> Envelope:
    return new_event(
        service="registry",
        type=event_type,
        aggregate="household",
        aggregate_id=str(household_id),
        division=division,
        data=payload.model_dump(mode="json"),
    )


def member_summary(
    member_id: uuid.UUID, name: str, relation: str, status: str = "active"
) -> registry_contracts.MemberSummaryV1:
    return registry_contracts.MemberSummaryV1(
        member_id=member_id,
        name=name,
        sex="male",
        id_kind="resident_id",
        resident_id_masked="520102********0013",
        relation=relation,
        health="healthy",
        labour_capacity="ordinary",
        status=status,
        resident_id_index="ab" * 32,
    )


@dataclass
class Household:
    id: uuid.UUID
    head_id: uuid.UUID
    child_id: uuid.UUID
    division: str


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

    async def deliver(self, event: Envelope) -> None:
        """The event through the consumer's handler, in a transaction of its own."""
        async with self.app.state.sessionmaker() as session, session.begin():
            await handlers.HANDLERS[event.type](session, event)

    async def household(
        self, division: str = VILLAGE, status: str = "registered", head: str = "张三丰"
    ) -> Household:
        """A household of two (the head and a child) as the registry's created event announces it (a
        candidate), then moved to `status` by its status event (version 2)."""
        household = Household(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), division)
        created = registry_contracts.HouseholdCreatedV1(
            household_id=household.id,
            division=division,
            village_group="一组",
            status="candidate",
            identification_standard="national",
            attribute="general",
            main_cause="illness",
            other_causes=[],
            member_count=2,
            members=[
                member_summary(household.head_id, head, "head"),
                member_summary(household.child_id, "张小", "child"),
            ],
        )
        await self.deliver(
            registry_event(registry_contracts.HOUSEHOLD_CREATED, household.id, division, created)
        )
        if status != "candidate":
            changed = registry_contracts.HouseholdStatusChangedV1(
                household_id=household.id,
                division=division,
                version=2,
                from_status="candidate",
                to_status=status,
                reason="县级审定",
            )
            event_type = registry_contracts.STATUS_EVENT_TYPES[status]
            await self.deliver(registry_event(event_type, household.id, division, changed))
        return household

    async def member_died(
        self, household: Household, member_id: uuid.UUID, died_on: dt.date, left: int
    ) -> None:
        payload = registry_contracts.MemberLeftV1(
            household_id=household.id,
            division=household.division,
            change="death",
            effective_on=died_on,
            reason="病故",
            member=member_summary(member_id, "张某", "head", status="deceased"),
            member_count=left,
        )
        await self.deliver(
            registry_event(registry_contracts.MEMBER_DECEASED, household.id, household.division, payload)
        )

    async def pay(
        self,
        household: Household,
        headers: dict[str, str] | None = None,
        key: str | None = None,
        **overrides: Any,
    ) -> httpx.Response:
        sent = {**(headers or self.county())}
        if key is not None:
            sent["Idempotency-Key"] = key
        body = {**PAYMENT, "household_id": str(household.id), **overrides}
        response: httpx.Response = await self.client.post("/payments", json=body, headers=sent)
        return response

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
