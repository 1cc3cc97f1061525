"""The procedure over HTTP on real PostgreSQL (the real app in-process, a fresh database per test, the
test clock on, the background timer off): guards, notices on the test clock, objections, batches,
quotas, comparison hits, idempotency and jurisdiction."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import text

from fupin_contracts import registry as registry_contracts
from fupin_kit.envelope import new_event
from fupin_kit.pii import check_digit
from fupin_kit.testing import Stack

os.environ["FUPIN_TEST_CLOCK"] = "1"
os.environ["FUPIN_NOTICE_TICK_S"] = "0"

from identification import workflow
from identification.batches import sampling
from identification.cases.schemas import ApiAction
from identification.main import create_app
from identification.readmodel import handlers

VILLAGE = "520102016001"
SIBLING = "520102016002"
TOWNSHIP = "520102016000"
COUSIN = "520102017001"
COUNTY = "520102000000"
OTHER_COUNTY = "520103000000"
OTHER_COUNTY_VILLAGE = "520103019001"
CITY = "520100000000"
PROVINCE = "520000000000"
_serial = itertools.count(1)


def resident_id() -> str:
    n = next(_serial)
    first17 = f"520102{1970 + n % 40:04d}0101{(n * 2 + 1) % 1000:03d}"
    return first17 + check_digit(first17)


@dataclass
class Ident:
    app: FastAPI
    client: httpx.AsyncClient
    stack: Stack

    def auth(self, tier: str, division: str, *roles: str, **extra: Any) -> dict[str, str]:
        token = self.stack.token(tier, division, list(roles) or ["viewer"], **extra)
        return {"Authorization": f"Bearer {token}"}

    def village(self, division: str = VILLAGE) -> dict[str, str]:
        return self.auth("village", division, "cadre")

    def township(self, division: str = TOWNSHIP) -> dict[str, str]:
        return self.auth("township", division, "officer")

    def county(self, division: str = COUNTY) -> dict[str, str]:
        return self.auth("county", division, "officer")

    async def sql(self, statement: str, **params: Any) -> Any:
        async with self.app.state.sessionmaker() as session, session.begin():
            result = await session.execute(text(statement), params)
            return result.all() if result.returns_rows else None

    async def household(
        self, division: str = VILLAGE, ids: list[str] | None = None, labour: str = "ordinary"
    ) -> uuid.UUID:
        """A household as the registry announces it, through the read-model handler."""
        household_id = uuid.uuid4()
        cipher = self.app.state.settings.pii_cipher()
        members = [
            registry_contracts.MemberSummaryV1(
                member_id=uuid.uuid4(),
                name="张三",
                sex="male",
                id_kind="resident_id",
                resident_id_masked=rid[:6] + "********" + rid[-4:],
                relation="head" if index == 0 else "child",
                health="healthy",
                labour_capacity=labour,
                status="active",
                resident_id_index=cipher.blind_index(rid).hex(),
            )
            for index, rid in enumerate(ids or [resident_id()])
        ]
        payload = registry_contracts.HouseholdCreatedV1(
            household_id=household_id,
            division=division,
            village_group="一组",
            status="candidate",
            identification_standard="national",
            attribute="general",
            main_cause="illness",
            other_causes=[],
            member_count=len(members),
            members=members,
        )
        event = new_event(
            service="registry",
            type=registry_contracts.HOUSEHOLD_CREATED,
            aggregate="household",
            aggregate_id=str(household_id),
            division=division,
            data=payload.model_dump(mode="json"),
        )
        async with self.app.state.sessionmaker() as session, session.begin():
            await handlers.on_household_created(session, event)
        return household_id

    async def quotas(self, year: int, amount: int, village: str = VILLAGE) -> None:
        for code in (PROVINCE, CITY, COUNTY, village[:9] + "000", village):
            await self.sql(
                "INSERT INTO quotas (division, year, amount, set_by) VALUES (:d, :y, :a, 'test') "
                "ON CONFLICT (division, year) DO UPDATE SET amount = excluded.amount",
                d=code,
                y=year,
                a=amount,
            )

    async def apply(
        self, household_id: uuid.UUID, division: str = VILLAGE, year: int = 2024
    ) -> dict[str, Any]:
        response = await self.client.post(
            "/cases",
            json={
                "household_id": str(household_id),
                "year": year,
                "authorisation": {"signed": True, "signed_by": "张三", "signed_on": "2024-03-01"},
            },
            headers=self.village(division),
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def act(
        self, case_id: Any, action: str, headers: dict[str, str], finding: dict[str, Any] | None = None
    ) -> httpx.Response:
        return await self.client.post(
            f"/cases/{case_id}/actions/{action}", json={"finding": finding or {}}, headers=headers
        )

    async def advance_clock(self, seconds: int) -> None:
        response = await self.client.post(
            "/admin/clock", json={"advance_s": seconds}, headers=self.auth("nation", "000000000000", "admin")
        )
        assert response.status_code == 200, response.text


VOTE = {"meeting_on": "2024-03-05", "representatives": 30, "present": 21, "votes_for": 18, "votes_against": 2}


@pytest_asyncio.fixture
async def ident(fupin_stack: Stack) -> AsyncIterator[Ident]:
    database = await fupin_stack.fresh_database("identification", "identification")
    app = create_app(fupin_stack.settings("identification", database, role="api"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identification") as client:
            yield Ident(app, client, fupin_stack)


DAY = 86400


async def _to_first_notice(ident: Ident, households: int = 1) -> tuple[list[str], str]:
    await ident.quotas(2024, 10)
    case_ids = []
    for _ in range(households):
        case = await ident.apply(await ident.household())
        assert (
            await ident.act(case["id"], "verify", ident.village(), {"survey": "visited"})
        ).status_code == 200
        reviewed = await ident.act(case["id"], "village_review", ident.village(), VOTE)
        assert reviewed.status_code == 200, reviewed.text
        case_ids.append(case["id"])
    notice = await ident.client.post(
        "/notices", json={"division": VILLAGE, "kind": "first"}, headers=ident.township()
    )
    assert notice.status_code == 201, notice.text
    return case_ids, notice.json()["id"]


async def _state(ident: Ident, case_id: str) -> str:
    response = await ident.client.get(f"/cases/{case_id}", headers=ident.village())
    return str(response.json()["state"])


async def test_out_of_order_actions_are_409(ident: Ident) -> None:
    household = await ident.household()
    case = await ident.apply(household)
    for state in workflow.KIND_STATES[workflow.Kind.IDENTIFICATION]:
        await ident.sql("UPDATE cases SET state = :s WHERE id = :i", s=state.value, i=uuid.UUID(case["id"]))
        allowed = set(workflow.allowed_actions(state))
        for api_action in ApiAction:
            action = workflow.Action(api_action.value)
            if action in allowed:
                continue
            step = next(t for (s, a), t in workflow.TRANSITIONS.items() if a is action)
            tier = step.tiers[0]
            division = {"village": VILLAGE, "township": TOWNSHIP, "county": COUNTY}[tier]
            response = await ident.act(
                case["id"], api_action.value, ident.auth(tier, division, step.roles[0])
            )
            assert response.status_code == 409, (state, action, response.text)


async def test_wrong_tier_or_role_is_403(ident: Ident) -> None:
    case = await ident.apply(await ident.household())
    assert (await ident.act(case["id"], "verify", ident.township(), {"s": 1})).status_code == 403
    viewer = ident.auth("village", VILLAGE, "viewer")
    assert (await ident.act(case["id"], "verify", viewer, {"s": 1})).status_code == 403
    notice = await ident.client.post(
        "/notices", json={"division": VILLAGE, "kind": "first"}, headers=ident.village()
    )
    assert notice.status_code == 403


async def test_notice_closes_only_when_clock_passes_and_no_ticket(ident: Ident) -> None:
    (case_id,), notice_id = await _to_first_notice(ident)
    assert (await ident.client.post("/notices/tick", headers=ident.township())).json()["closed"] == []
    objection = await ident.client.post(
        f"/public/notices/{notice_id}/objections", json={"case_id": case_id, "text": "他家有车"}
    )
    assert objection.status_code == 201, objection.text
    await ident.advance_clock(7 * DAY + 60)
    assert (await ident.client.post("/notices/tick", headers=ident.township())).json()["closed"] == []
    assert await _state(ident, case_id) == "first_notice"
    late = await ident.client.post(
        f"/public/notices/{notice_id}/objections", json={"case_id": case_id, "text": "晚了"}
    )
    assert late.status_code == 409
    resolved = await ident.client.post(
        f"/objections/{objection.json()['id']}/resolve",
        json={"outcome": "dismissed", "reason": "核实无车"},
        headers=ident.township(),
    )
    assert resolved.status_code == 200, resolved.text
    assert (await ident.client.post("/notices/tick", headers=ident.township())).json()["closed"] == [
        notice_id
    ]
    assert await _state(ident, case_id) == "first_noticed"
    board = await ident.client.get("/public/notices", params={"division": TOWNSHIP})
    assert board.status_code == 200 and board.json()[0]["entries"][0]["head_name"] == "张*"


async def test_upheld_objection_returns_case_to_verification(ident: Ident) -> None:
    (case_id,), notice_id = await _to_first_notice(ident)
    objection = await ident.client.post(
        f"/public/notices/{notice_id}/objections", json={"case_id": case_id, "text": "情况不实"}
    )
    await ident.client.post(
        f"/objections/{objection.json()['id']}/resolve",
        json={"outcome": "upheld", "reason": "属实"},
        headers=ident.township(),
    )
    assert await _state(ident, case_id) == "applied"


async def test_quota_cannot_be_exceeded(ident: Ident) -> None:
    await ident.quotas(2024, 1)
    first = await ident.apply(await ident.household())
    second = await ident.apply(await ident.household())
    for case in (first, second):
        await ident.act(case["id"], "verify", ident.village(), {"survey": "ok"})
    assert (await ident.act(first["id"], "village_review", ident.village(), VOTE)).status_code == 200
    refused = await ident.act(second["id"], "village_review", ident.village(), VOTE)
    assert refused.status_code == 409 and refused.json()["code"] == "quota-exceeded"


async def test_batch_township_review_and_reproducible_sample(ident: Ident) -> None:
    case_ids, _notice = await _to_first_notice(ident, households=6)
    await ident.advance_clock(8 * DAY)
    await ident.client.post("/notices/tick", headers=ident.township())
    drawn = await ident.client.post(
        "/batches", json={"action": "township_review", "division": VILLAGE}, headers=ident.township()
    )
    assert drawn.status_code == 201, drawn.text
    batch = drawn.json()
    assert batch["case_count"] == 6 and batch["sample_count"] == 2
    expected = sampling.draw(batch["seed"], [uuid.UUID(c) for c in case_ids], 2)
    assert sorted(map(str, expected)) == sorted(batch["sample"])
    missing = await ident.client.post(
        f"/batches/{batch['id']}/decide", json={"findings": []}, headers=ident.township()
    )
    assert missing.status_code == 422
    findings = [{"case_id": c, "passed": True} for c in batch["sample"]]
    decided = await ident.client.post(
        f"/batches/{batch['id']}/decide", json={"findings": findings}, headers=ident.township()
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["decided"] == 6
    for case_id in case_ids:
        assert await _state(ident, case_id) == "township_reviewed"
    rows = await ident.sql(
        "SELECT count(*) FROM outbox WHERE type = 'fupin.identification.case.township_reviewed.v1'"
    )
    assert rows[0][0] == 6


async def test_comparison_hit_blocks_until_resolved(ident: Ident) -> None:
    rid = resident_id()
    await ident.quotas(2024, 10)
    case = await ident.apply(await ident.household(ids=[rid]))
    await ident.sql("UPDATE cases SET state = 'township_reviewed' WHERE id = :i", i=uuid.UUID(case["id"]))
    client = ident.auth("province", "520000000000", "department", kind="client")
    pushed = await ident.client.post(
        "/comparisons/pushes",
        json={"kind": "private_vehicle", "department": "公安交管", "entries": [{"resident_id": rid}]},
        headers=client,
    )
    assert pushed.status_code == 201, pushed.text
    assert pushed.json()["hits"] == 1
    blocked = await ident.act(case["id"], "complete_comparison", ident.county())
    assert blocked.status_code == 409 and blocked.json()["code"] == "blocked"
    hit = (await ident.client.get("/comparisons/hits", headers=ident.county())).json()[0]
    assert hit["effect"] == "block"
    stored = await ident.sql("SELECT count(*) FROM comparison_entries WHERE detail LIKE :r", r=f"%{rid}%")
    assert stored[0][0] == 0
    await ident.client.post(
        f"/comparisons/hits/{hit['id']}/resolve",
        json={"outcome": "cleared", "reason": "车已转让"},
        headers=ident.county(),
    )
    assert (await ident.act(case["id"], "complete_comparison", ident.county())).status_code == 200


async def test_idempotency_key(ident: Ident) -> None:
    household = await ident.household()
    body = {
        "household_id": str(household),
        "year": 2024,
        "authorisation": {"signed": True, "signed_by": "张三", "signed_on": "2024-03-01"},
    }
    headers = {**ident.village(), "Idempotency-Key": "k-1"}
    first = await ident.client.post("/cases", json=body, headers=headers)
    again = await ident.client.post("/cases", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = await ident.client.post("/cases", json={**body, "year": 2025}, headers=headers)
    assert other.status_code == 422
    assert (await ident.sql("SELECT count(*) FROM cases"))[0][0] == 1


async def test_out_of_jurisdiction_is_404(ident: Ident) -> None:
    case = await ident.apply(await ident.household())
    outsiders = [
        ident.auth("village", SIBLING, "cadre"),
        ident.auth("township", "520102017000", "officer"),
        ident.auth("village", COUSIN, "cadre"),
        ident.auth("county", "520103000000", "officer"),
        ident.auth("village", OTHER_COUNTY_VILLAGE, "cadre"),
    ]
    routes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/cases/{case['id']}", None),
        ("GET", f"/cases/{case['id']}/history", None),
        ("GET", f"/cases/{case['id']}/category-suggestion", None),
        ("POST", f"/cases/{case['id']}/actions/verify", {"finding": {"s": 1}}),
        ("POST", f"/cases/{case['id']}/actions/reject", {"finding": {}}),
        ("POST", f"/cases/{case['id']}/category", {"categories": ["industry"], "reason": "ok"}),
    ]
    for headers in outsiders:
        for method, path, body in routes:
            response = await ident.client.request(method, path, json=body, headers=headers)
            assert response.status_code == 404, (headers, path, response.text)
    notices = await ident.client.post(
        "/notices", json={"division": VILLAGE, "kind": "first"}, headers=outsiders[1]
    )
    assert notices.status_code == 404
