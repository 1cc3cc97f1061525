"""The households read model fed by the real registry through the broker: the registry's relay publishes
its household events to fupin.registry.events.v1, the assistance consumer (group `assistance`) applies
them, and a helper can then be assigned to the household the registry registered."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx

from assistance.main import create_app as create_assistance
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


async def wait_for_status(
    client: httpx.AsyncClient, headers: dict[str, str], household: str, status: str
) -> Any:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        listed = (await client.get("/households", params={"division": VILLAGE}, headers=headers)).json()
        found = next((item for item in listed if item["id"] == household), None)
        if found is not None and found["status"] == status:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"household {household} never reached {status!r} in the read model")


async def test_a_registry_household_reaches_the_read_model_through_the_broker(fupin_stack: Stack) -> None:
    registry_settings = fupin_stack.settings(
        "registry", await fupin_stack.fresh_database("registry", "registry"), role="all"
    )
    await fupin_stack.topics(declared_topics(registry_settings.topics_file))
    assistance_settings = fupin_stack.settings(
        "assistance", await fupin_stack.fresh_database("assistance", "assistance"), role="all"
    )
    registry_app = create_registry(registry_settings)
    assistance_app = create_assistance(assistance_settings)
    county = auth(fupin_stack, "county", COUNTY, "officer")
    async with (
        registry_app.router.lifespan_context(registry_app),
        assistance_app.router.lifespan_context(assistance_app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=registry_app), base_url="http://registry"
        ) as registry,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=assistance_app), base_url="http://assistance"
        ) as assistance,
    ):
        created = await registry.post(
            "/households", json=HOUSEHOLD, headers=auth(fupin_stack, "village", VILLAGE, "cadre")
        )
        assert created.status_code == 201, created.text
        household = created.json()["id"]
        candidate = await wait_for_status(assistance, county, household, "candidate")
        assert candidate["head_name"] == "张三" and candidate["member_count"] == 1
        refused = await assistance.put(
            f"/households/{household}/helper",
            json={
                "name": "王五",
                "unit": "南明区农业农村局",
                "unit_tier": "county",
                "phone": "13812345678",
                "started_on": "2024-01-02",
            },
            headers=county,
        )
        assert refused.status_code == 409 and refused.json()["code"] == "household-status"

        registered = await registry.post(
            f"/households/{household}/status-commands",
            json={"action": "register", "reason": "县级审定"},
            headers={**county, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert registered.status_code in (200, 201), registered.text
        await wait_for_status(assistance, county, household, "registered")
        assigned = await assistance.put(
            f"/households/{household}/helper",
            json={
                "name": "王五",
                "unit": "南明区农业农村局",
                "unit_tier": "county",
                "phone": "13812345678",
                "started_on": "2024-01-02",
            },
            headers=county,
        )
        assert assigned.status_code == 200, assigned.text
