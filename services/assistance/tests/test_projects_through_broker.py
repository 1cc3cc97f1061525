"""The project read model fed by the real funds service through the broker: funds' relay publishes its
project events to fupin.funds.events.v1, the assistance consumer (group `assistance`, the registry's
households' group) applies each once through its inbox, and a link waits for the county's approval."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from assistance.main import create_app as create_assistance
from assistance.readmodel import handlers
from funds.main import create_app as create_funds
from fupin_contracts import registry as registry_contracts
from fupin_kit import civil_time
from fupin_kit.envelope import new_event
from fupin_kit.testing import Stack
from fupin_kit.topics import declared_topics

VILLAGE = "520102016001"
TOWNSHIP = "520102016000"
COUNTY = "520102000000"
DEADLINE_S = 60.0
TODAY = civil_time.china_today()
PROJECT = {
    "name": "纪念塔社区蔬菜大棚建设项目",
    "category": "industry",
    "nature": "new",
    "division": VILLAGE,
    "year": TODAY.year,
    "starts_on": TODAY.isoformat(),
    "ends_on": TODAY.replace(year=TODAY.year + 1).isoformat(),
    "responsible_unit": "南明区农业农村局",
    "tasks": "新建蔬菜大棚20个，配套灌溉设施。",
    "budget": "1200000.00",
    "financing": [{"source": "central", "amount": "1200000.00"}],
    "beneficiaries": {"households": 45, "people": 160},
    "performance_target": [{"indicator": "新建蔬菜大棚数量", "target": "20个"}],
    "pro_poor_mechanism": "大棚由村集体经营，优先吸纳脱贫户务工。",
}
LINK = {"mechanism": "wages", "expected_yearly": "3000.00", "started_on": TODAY.isoformat()}


def auth(stack: Stack, tier: str, division: str, role: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {stack.token(tier, division, [role])}",
        "Idempotency-Key": str(uuid.uuid4()),
    }


async def registered_household(app: Any) -> uuid.UUID:
    """A registered household in the assistance read model, as the registry's events would announce it."""
    household_id = uuid.uuid4()
    created = registry_contracts.HouseholdCreatedV1(
        household_id=household_id, division=VILLAGE, village_group="一组", status="registered",
        identification_standard="national", attribute="general", main_cause="illness", other_causes=[],
        member_count=0, members=[],
    )  # fmt: skip
    event = new_event(
        service="registry",
        type=registry_contracts.HOUSEHOLD_CREATED,
        aggregate="household",
        aggregate_id=str(household_id),
        division=VILLAGE,
        data=created.model_dump(mode="json"),
    )
    async with app.state.sessionmaker() as session, session.begin():
        await handlers.on_household_created(session, event)
    return household_id


async def until(check: Any, what: str) -> Any:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        found = await check()
        if found is not None:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"never: {what}")


async def test_funds_projects_reach_the_read_model_through_the_broker(fupin_stack: Stack) -> None:
    funds_settings = fupin_stack.settings(
        "funds", await fupin_stack.fresh_database("funds", "funds"), role="all"
    )
    await fupin_stack.topics(declared_topics(funds_settings.topics_file))
    assistance_settings = fupin_stack.settings(
        "assistance", await fupin_stack.fresh_database("assistance", "assistance"), role="all"
    )
    funds_app = create_funds(funds_settings)
    assistance_app = create_assistance(assistance_settings)
    async with (
        funds_app.router.lifespan_context(funds_app),
        assistance_app.router.lifespan_context(assistance_app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=funds_app), base_url="http://funds") as funds,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=assistance_app), base_url="http://assistance"
        ) as assistance,
    ):
        household = await registered_household(assistance_app)
        proposed = await funds.post(
            "/projects", json=PROJECT, headers=auth(fupin_stack, "village", VILLAGE, "cadre")
        )
        assert proposed.status_code == 201, proposed.text
        project = proposed.json()["id"]
        url = f"/projects/{project}/links/{household}"

        async def link_answer(expected: int) -> httpx.Response | None:
            answer = await assistance.put(
                url, json=LINK, headers=auth(fupin_stack, "county", COUNTY, "officer")
            )
            return answer if answer.status_code == expected else None

        refused = await until(lambda: link_answer(409), "the proposal reached assistance")
        assert refused.json()["code"] == "project-not-approved"
        for tier, division, action in (
            ("township", TOWNSHIP, "township_review"),
            ("county", COUNTY, "county_approve"),
        ):
            moved = await funds.post(
                f"/projects/{project}/steps/{action}",
                json={},
                headers=auth(fupin_stack, tier, division, "officer"),
            )
            assert moved.status_code == 200, moved.text
        made = await until(lambda: link_answer(200), "the approval reached assistance")
        assert made.json()["project_name"] == PROJECT["name"]
        # This project's own events: other modules' funds services publish on the session's broker too.
        async with funds_app.state.sessionmaker() as session:
            sent = [
                str(row[0])
                for row in await session.execute(
                    text(
                        "SELECT id FROM outbox WHERE aggregateid = :p AND type LIKE 'fupin.funds.project.%'"
                    ),
                    {"p": project},
                )
            ]
        async with assistance_app.state.sessionmaker() as session:
            held = (
                await session.execute(
                    text("SELECT status, sequence FROM rm_projects WHERE project_id = :p"), {"p": project}
                )
            ).one()
            claimed = (
                await session.execute(
                    text(
                        "SELECT count(*) FROM inbox WHERE consumer_group = 'assistance' "
                        "AND event_id::text = ANY(:sent)"
                    ),
                    {"sent": sent},
                )
            ).scalar_one()
        assert tuple(held) == ("county_approved", 3)
        assert len(sent) == 3 and claimed == 3, (sent, claimed)
