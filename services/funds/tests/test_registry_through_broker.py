"""The registry read model fed by the real registry through the broker: the registry's relay publishes its
household events to fupin.registry.events.v1, the funds consumer (group `funds`) applies them, and a
payment to the household is then recorded and checked against the status the registry gave it."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from funds.main import create_app as create_funds
from fupin_kit.testing import Stack
from fupin_kit.topics import declared_topics
from registry.main import create_app as create_registry

VILLAGE = "520102016001"
COUNTY = "520102000000"
DEADLINE_S = 60.0
HOUSEHOLD = {
    "division": VILLAGE,
    "village_group": "一组",
    "address": "纪念塔社区一组 8 号",
    "head_name": "张三",
    "identification_standard": "national",
    "attribute": "general",
    "main_cause": "illness",
    "members": [
        {
            "name": "张三",
            "sex": "male",
            "resident_id": "520102198001010013",
            "relation": "head",
            "health": "chronic",
            "labour_capacity": "ordinary",
        }
    ],
}


def auth(stack: Stack, tier: str, division: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token(tier, division, [role])}"}


def payment(household: str, benefit: str) -> dict[str, Any]:
    return {
        "household_id": household,
        "benefit": benefit,
        "period": "2026",
        "amount": "800.00",
        "standard": "800.00",
        "paid_on": "2026-03-15",
    }


async def pay_when_known(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    """The payment, once the household has reached funds (404 until then)."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        response = await client.post("/payments", json=body, headers=headers)
        if response.status_code != 404:
            assert response.status_code == 201, response.text
            return response.json()
        await asyncio.sleep(0.2)
    raise AssertionError("the household never reached funds' read model")


async def test_a_registry_household_reaches_funds_through_the_broker(fupin_stack: Stack) -> None:
    registry_settings = fupin_stack.settings(
        "registry", await fupin_stack.fresh_database("registry", "registry"), role="all"
    )
    await fupin_stack.topics(declared_topics(registry_settings.topics_file))
    funds_settings = fupin_stack.settings(
        "funds", await fupin_stack.fresh_database("funds", "funds"), role="all"
    )
    registry_app = create_registry(registry_settings)
    funds_app = create_funds(funds_settings)
    county = auth(fupin_stack, "county", COUNTY, "officer")
    async with (
        registry_app.router.lifespan_context(registry_app),
        funds_app.router.lifespan_context(funds_app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=registry_app), base_url="http://registry"
        ) as registry,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=funds_app), base_url="http://funds") as funds,
    ):
        created = await registry.post(
            "/households", json=HOUSEHOLD, headers=auth(fupin_stack, "village", VILLAGE, "cadre")
        )
        assert created.status_code == 201, created.text
        household = created.json()["id"]
        to_candidate = await pay_when_known(funds, county, payment(household, "dibao"))
        assert [finding["kind"] for finding in to_candidate["findings"]] == ["non-registered"]

        registered = await registry.post(
            f"/households/{household}/status-commands",
            json={"action": "register", "reason": "县级审定"},
            headers={**county, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert registered.status_code in (200, 201), registered.text
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            if await household_status(funds_app, household) == "registered":
                break
            await asyncio.sleep(0.2)
        clean = await funds.post("/payments", json=payment(household, "housing"), headers=county)
        assert clean.status_code == 201 and clean.json()["findings"] == [], clean.text
        board = await funds.get("/public/benefit-lists", params={"division": VILLAGE})
        assert {item["head_name"] for item in board.json()} == {"张*"}
        index = await member_index(funds_app, household)
        # The ID's blind index, never the number.
        assert index is not None and "520102198001010013" not in index


async def household_status(app: Any, household: str) -> str | None:
    async with app.state.sessionmaker() as session:
        result = await session.execute(
            text("SELECT status FROM rm_households WHERE household_id = CAST(:h AS uuid)"), {"h": household}
        )
        found: str | None = result.scalar_one_or_none()
        return found


async def member_index(app: Any, household: str) -> str | None:
    async with app.state.sessionmaker() as session:
        result = await session.execute(
            text("SELECT resident_id_index FROM rm_members WHERE household_id = CAST(:h AS uuid)"),
            {"h": household},
        )
        found: str | None = result.scalar_one_or_none()
        return found
