"""The evaluation test harness: the real app in-process on a fresh migrated database (real PostgreSQL),
tokens of any tier, and households fed through the registry read-model handlers as the registry's events
announce them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import text

from evaluation.main import create_app
from evaluation.readmodel import handlers
from fupin_contracts import registry as registry_contracts
from fupin_kit.envelope import Envelope, new_event
from fupin_kit.testing import Stack

COUNTY = "520102000000"
PROVINCE = "520000000000"


def registry_event(event_type: str, household_id: uuid.UUID, division: str, payload: Any) -> Envelope:
    return new_event(
        service="registry",
        type=event_type,
        aggregate="household",
        aggregate_id=str(household_id),
        division=division,
        data=payload.model_dump(mode="json"),
    )


def evaluation_body(county: str = COUNTY, **design: Any) -> dict[str, Any]:
    plan = {"townships_per_county": 2, "villages_per_township": 2, "households_per_village": 4, "seed": 7}
    return {"county": county, "year": 2024, "evaluator": "某某大学评估中心", "design": {**plan, **design}}


@dataclass
class Harness:
    app: FastAPI
    client: httpx.AsyncClient
    stack: Stack

    COUNTY = COUNTY
    PROVINCE = PROVINCE
    evaluation_body = staticmethod(evaluation_body)

    def auth(self, tier: str, division: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.stack.token(tier, division, list(roles) or ['viewer'])}"}

    def province(self, division: str = PROVINCE) -> dict[str, str]:
        return self.auth("province", division, "officer")

    def county(self, division: str = COUNTY) -> dict[str, str]:
        return self.auth("county", division, "officer")

    async def sql(self, statement: str, **params: Any) -> Any:
        async with self.app.state.sessionmaker() as session, session.begin():
            result = await session.execute(text(statement), params)
            return result.all() if result.returns_rows else None

    async def deliver(self, event: Envelope) -> None:
        handler = handlers.HANDLERS[event.type]
        async with self.app.state.sessionmaker() as session, session.begin():
            await handler(session, event)

    async def household(self, division: str, status: str = "registered", members: int = 1) -> uuid.UUID:
        """A household as the registry's created event announces it (a candidate), then moved to `status`
        by the registry's status event (version 2)."""
        household_id = uuid.uuid4()
        created = registry_contracts.HouseholdCreatedV1(
            household_id=household_id,
            division=division,
            village_group="一组",
            status="candidate",
            identification_standard="national",
            attribute="general",
            main_cause="illness",
            other_causes=[],
            member_count=members,
            members=[],
        )
        await self.deliver(
            registry_event(registry_contracts.HOUSEHOLD_CREATED, household_id, division, created)
        )
        if status != "candidate":
            payload = registry_contracts.HouseholdStatusChangedV1(
                household_id=household_id,
                division=division,
                version=2,
                from_status="candidate",
                to_status=status,
                reason="县级审定",
            )
            event_type = registry_contracts.STATUS_EVENT_TYPES.get(
                status, registry_contracts.HOUSEHOLD_MONITORING_CLEARED
            )
            await self.deliver(registry_event(event_type, household_id, division, payload))
        return household_id

    async def open(self, headers: dict[str, str] | None = None, **body: Any) -> httpx.Response:
        response: httpx.Response = await self.client.post(
            "/evaluations", json=body or evaluation_body(), headers=headers or self.province()
        )
        return response

    async def outbox(self) -> list[tuple[str, dict[str, Any]]]:
        rows = await self.sql("SELECT type, payload FROM outbox ORDER BY seq")
        return [(row[0], row[1]["data"]) for row in rows]


@pytest_asyncio.fixture
async def harness(fupin_stack: Stack) -> AsyncIterator[Harness]:
    database = await fupin_stack.fresh_database("evaluation", "evaluation")
    app = create_app(fupin_stack.settings("evaluation", database, role="api"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://evaluation") as client:
            yield Harness(app, client, fupin_stack)
