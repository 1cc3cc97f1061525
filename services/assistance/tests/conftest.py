"""The assistance test harness: the real app in-process on a fresh migrated database (real PostgreSQL),
tokens of any tier, and households fed through the registry read-model handlers as the registry's events
announce them (test_registry_through_broker.py feeds them through the broker from a real registry)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import text

from assistance.main import create_app
from assistance.readmodel import handlers
from fupin_contracts import registry as registry_contracts
from fupin_kit import civil_time
from fupin_kit.envelope import Envelope, new_event
from fupin_kit.testing import Stack

VILLAGE = "520102016001"
OTHER_VILLAGE = "520102016002"
TOWNSHIP = "520102016000"
COUNTY = "520102000000"
OTHER_COUNTY_VILLAGE = "520103001001"
CITY = "520100000000"
PROVINCE = "520000000000"
MOBILE = "13812345678"
LANDLINE = "0851-86543210"


def helper_body(**overrides: Any) -> dict[str, Any]:
    """A valid helper assignment starting today (China time), `overrides` replacing any field."""
    body = {
        "name": "王五",
        "unit": "南明区农业农村局",
        "unit_tier": "county",
        "phone": MOBILE,
        "started_on": civil_time.china_today().isoformat(),
    }
    return {**body, **overrides}


def team_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "first_secretary": {"name": "赵六", "unit": "贵州省农业农村厅", "phone": LANDLINE},
        "members": [{"name": "钱七", "unit": "南明区财政局", "phone": "13987654321"}],
        "sent_by": "province",
        "started_on": civil_time.china_today().isoformat(),
    }
    return {**body, **overrides}


def registry_event(event_type: str, household_id: uuid.UUID, division: str, payload: Any) -> Envelope:
    return new_event(
        service="registry",
        type=event_type,
        aggregate="household",
        aggregate_id=str(household_id),
        division=division,
        data=payload.model_dump(mode="json"),
    )


@dataclass
class Harness:
    app: FastAPI
    client: httpx.AsyncClient
    stack: Stack

    # Test modules cannot import this one (importlib mode): what they share hangs off the harness.
    VILLAGE = VILLAGE
    OTHER_VILLAGE = OTHER_VILLAGE
    TOWNSHIP = TOWNSHIP
    COUNTY = COUNTY
    OTHER_COUNTY_VILLAGE = OTHER_COUNTY_VILLAGE
    CITY = CITY
    PROVINCE = PROVINCE
    MOBILE = MOBILE
    LANDLINE = LANDLINE
    helper_body = staticmethod(helper_body)
    team_body = staticmethod(team_body)

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

    async def deliver(self, event: Envelope) -> None:
        """The event through the consumer's handler, in a transaction of its own."""
        handler = handlers.HANDLERS[event.type]
        async with self.app.state.sessionmaker() as session, session.begin():
            await handler(session, event)

    async def household(
        self, division: str = VILLAGE, status: str = "registered", name: str = "张三丰"
    ) -> uuid.UUID:
        """A household as the registry's created event announces it (a candidate), then moved to `status`
        by the registry's status event (version 2)."""
        household_id = uuid.uuid4()
        member = registry_contracts.MemberSummaryV1(
            member_id=uuid.uuid4(),
            name=name,
            sex="male",
            id_kind="resident_id",
            resident_id_masked="520102********0013",
            relation="head",
            health="healthy",
            labour_capacity="ordinary",
            status="active",
        )
        created = registry_contracts.HouseholdCreatedV1(
            household_id=household_id,
            division=division,
            village_group="一组",
            status="candidate",
            identification_standard="national",
            attribute="general",
            main_cause="illness",
            other_causes=[],
            member_count=1,
            members=[member],
        )
        await self.deliver(
            registry_event(registry_contracts.HOUSEHOLD_CREATED, household_id, division, created)
        )
        if status != "candidate":
            await self.status(household_id, status, version=2, division=division)
        return household_id

    async def status(
        self, household_id: uuid.UUID, to_status: str, version: int, division: str = VILLAGE
    ) -> None:
        payload = registry_contracts.HouseholdStatusChangedV1(
            household_id=household_id,
            division=division,
            version=version,
            from_status="candidate",
            to_status=to_status,
            reason="县级审定",
        )
        event_type = registry_contracts.STATUS_EVENT_TYPES.get(
            to_status, registry_contracts.HOUSEHOLD_MONITORING_CLEARED
        )
        await self.deliver(registry_event(event_type, household_id, division, payload))

    async def assign(
        self, household_id: uuid.UUID, headers: dict[str, str] | None = None, **overrides: Any
    ) -> httpx.Response:
        response: httpx.Response = await self.client.put(
            f"/households/{household_id}/helper",
            json=helper_body(**overrides),
            headers=headers or self.county(),
        )
        return response

    async def outbox(self) -> list[tuple[str, dict[str, Any]]]:
        """(type, data) of every staged event, in order."""
        rows = await self.sql("SELECT type, payload FROM outbox ORDER BY seq")
        return [(row[0], row[1]["data"]) for row in rows]


@pytest_asyncio.fixture
async def harness(fupin_stack: Stack) -> AsyncIterator[Harness]:
    database = await fupin_stack.fresh_database("assistance", "assistance")
    app = create_app(fupin_stack.settings("assistance", database, role="api"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://assistance") as client:
            yield Harness(app, client, fupin_stack)
