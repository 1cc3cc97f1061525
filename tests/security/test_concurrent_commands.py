"""50 concurrent identical commands → exactly one effect (quality.md: "50 concurrent identical disbursements
or approvals"; funds has no disbursements yet, so: the approvals and the other commands a double effect
would hurt).

Each service runs in-process behind a real uvicorn server on loopback (fupin_kit.testing.InProcessServer),
API role only (no relay: the outbox keeps what was staged), on a fresh PostgreSQL database. 50 identical
requests are released together over 50 HTTP connections, so they reach PostgreSQL as 50 concurrent
transactions. Afterwards the effects are counted in the database itself: the state, the history rows and
the outbox events. Every loser must be a 409 problem document, never a 500; with one Idempotency-Key every
request must answer exactly the winner's response.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import text

from fupin_contracts import identification as identification_contracts
from fupin_contracts import registry as registry_contracts
from fupin_kit.envelope import new_event
from fupin_kit.pii import check_digit
from fupin_kit.testing import InProcessServer, Stack
from identification.clock import civil_year
from identification.text import today
from tests.bodies import member_body

pytestmark = pytest.mark.timeout(240)

N = 50
VILLAGE = "520102016001"
TOWNSHIP = "520102016000"
COUNTY = "520102000000"
CITY = "520100000000"
PROVINCE = "520000000000"
VOTE = {"representatives": 30, "present": 21, "votes_for": 18, "votes_against": 2}
# A county's own check of one case, decided outside a batch (identification rejects a bare approval).
CHECKED = {"passed": True, "note": "核实无误"}


def _year() -> int:
    """The current round (China's calendar year), when the test runs: an application for a past year is
    refused, and a year read when the module was loaded is last year's after a run crosses New Year in China."""
    return civil_year(dt.datetime.now(dt.UTC))


def _today() -> str:
    """Today in China, when the step is taken: no step is dated before its case was opened."""
    return today(dt.datetime.now(dt.UTC)).isoformat()


def _dated(finding: dict[str, Any]) -> dict[str, Any]:
    """A village assembly's vote held today (read when the test runs, not when the module is loaded)."""
    return {**finding, "meeting_on": _today()} if finding is VOTE else finding


PROBLEM = "application/problem+json"
_serial = itertools.count(700)


def resident_id(born: int | None = None) -> str:
    """A valid ID, unique per call, of a man born on 3 March of `born` (by default a year in 1950-1999)."""
    n = next(_serial)
    first17 = f"520102{born or 1950 + n % 50:04d}0303{(n * 2 + 1) % 1000:03d}"
    return first17 + check_digit(first17)


@dataclass
class Served:
    """A service app behind a real uvicorn server: a client for it, and SQL on its database."""

    app: FastAPI
    client: httpx.AsyncClient
    stack: Stack

    def auth(self, tier: str, division: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.stack.token(tier, division, list(roles))}"}

    async def sql(self, statement: str, **params: Any) -> list[Any]:
        async with self.app.state.sessionmaker() as session, session.begin():
            result = await session.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []

    async def count(self, statement: str, **params: Any) -> int:
        return int((await self.sql(statement, **params))[0][0])

    async def all_at_once(
        self, path: str, body: Any, headers: dict[str, str], n: int = N
    ) -> list[httpx.Response]:
        """n identical POSTs, released together once every one of them is waiting at the gate."""
        gate = asyncio.Event()

        async def one() -> httpx.Response:
            await gate.wait()
            return await self.client.post(path, json=body, headers=headers)

        tasks = [asyncio.create_task(one()) for _ in range(n)]
        await asyncio.sleep(0)
        gate.set()
        return list(await asyncio.gather(*tasks))


async def _serve(app: FastAPI, stack: Stack) -> AsyncIterator[Served]:
    async with InProcessServer(app) as server:
        limits = httpx.Limits(max_connections=N + 10, max_keepalive_connections=N + 10)
        async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
            yield Served(app, client, stack)


@pytest_asyncio.fixture
async def identification(fupin_stack: Stack) -> AsyncIterator[Served]:
    from identification.main import create_app

    database = await fupin_stack.fresh_database("identification", "identification")
    async for served in _serve(
        create_app(fupin_stack.settings("identification", database, role="api")), fupin_stack
    ):
        yield served


@pytest_asyncio.fixture
async def registry(fupin_stack: Stack) -> AsyncIterator[Served]:
    # Its start-up loads the division tree into the fresh database (InProcessServer allows for it).
    from registry.main import create_app

    database = await fupin_stack.fresh_database("registry", "registry")
    async for served in _serve(
        create_app(fupin_stack.settings("registry", database, role="api")), fupin_stack
    ):
        yield served


def one_winner(responses: list[httpx.Response], winner: int) -> httpx.Response:
    """Exactly one `winner` status; every other answer a 409 problem document (never a 500)."""
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {winner: 1, 409: len(responses) - 1}, (
        statuses,
        [r.text for r in responses if r.status_code not in (winner, 409)][:3],
    )
    for response in responses:
        if response.status_code == 409:
            assert response.headers["content-type"].startswith(PROBLEM), response.headers
            assert response.json()["status"] == 409
    return next(response for response in responses if response.status_code == winner)


def all_replayed(responses: list[httpx.Response], status: int) -> None:
    """With one Idempotency-Key: every request answers the one stored response (the same JSON document; a
    replay comes from a JSONB column, so its keys may be in another order than the first answer's)."""
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {status: len(responses)}, (
        statuses,
        [r.text for r in responses if r.status_code != status][:3],
    )
    first = responses[0].json()
    assert all(response.json() == first for response in responses)


# ---- identification ----------------------------------------------------------------------------------------


async def _household(served: Served) -> uuid.UUID:
    """A household as the registry announces it, fed through the read-model handler."""
    from identification.readmodel import handlers

    household_id = uuid.uuid4()
    rid = resident_id()
    cipher = served.app.state.settings.pii_cipher()
    payload = registry_contracts.HouseholdCreatedV1(
        household_id=household_id,
        division=VILLAGE,
        village_group="一组",
        status="candidate",
        identification_standard="national",
        attribute="general",
        main_cause="illness",
        other_causes=[],
        member_count=1,
        members=[
            registry_contracts.MemberSummaryV1(
                member_id=uuid.uuid4(),
                name="张三丰",
                sex="male",
                id_kind="resident_id",
                resident_id_masked=rid[:6] + "********" + rid[-4:],
                relation="head",
                health="healthy",
                labour_capacity="ordinary",
                status="active",
                resident_id_index=cipher.blind_index(rid).hex(),
            )
        ],
    )
    event = new_event(
        service="registry",
        type=registry_contracts.HOUSEHOLD_CREATED,
        aggregate="household",
        aggregate_id=str(household_id),
        division=VILLAGE,
        data=payload.model_dump(mode="json"),
    )
    async with served.app.state.sessionmaker() as session, session.begin():
        await handlers.on_household_created(session, event)
        # An income below the poverty line, so that the identification test passes (cases.income_test).
        for year in (_year() - 1, _year()):
            income = registry_contracts.HouseholdIncomeRecordedV1(
                household_id=household_id,
                division=VILLAGE,
                year=year,
                net_income=Decimal(2500),
                member_count=1,
                per_capita_net_income=Decimal(2500),
            )
            await handlers.on_income(
                session,
                new_event(
                    service="registry",
                    type=registry_contracts.HOUSEHOLD_INCOME_RECORDED,
                    aggregate="household",
                    aggregate_id=str(household_id),
                    division=VILLAGE,
                    data=income.model_dump(mode="json"),
                ),
            )
    return household_id


async def _case(served: Served, state: str | None = None) -> str:
    """An identification case applied for by the village cadre, optionally moved on to `state`."""
    response = await served.client.post(
        "/cases",
        json={
            "household_id": str(await _household(served)),
            "year": _year(),
            "authorisation": {"signed": True, "signed_by": "张三丰", "signed_on": _today()},
        },
        headers=served.auth("village", VILLAGE, "cadre"),
    )
    assert response.status_code == 201, response.text
    case_id = str(response.json()["id"])
    if state is not None:  # test set-up only: the earlier steps are covered by test_procedure.py
        await served.sql("UPDATE cases SET state = :s WHERE id = :i", s=state, i=case_id)
    return case_id


async def _quotas(served: Served, amount: int = 100) -> None:
    for code in (PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE):
        await served.sql(
            "INSERT INTO quotas (division, year, amount, set_by) VALUES (:d, :y, :a, 'test') "
            "ON CONFLICT (division, year) DO UPDATE SET amount = excluded.amount",
            d=code,
            y=_year(),
            a=amount,
        )


async def _case_effects(served: Served, case_id: str, action: str) -> tuple[str, int, int]:
    """(state, history rows of `action`, outbox events of `action`) of one case."""
    state = (await served.sql("SELECT state FROM cases WHERE id = :i", i=case_id))[0][0]
    history = await served.count(
        "SELECT count(*) FROM case_history WHERE case_id = :i AND action = :a", i=case_id, a=action
    )
    events = await served.count(
        "SELECT count(*) FROM outbox WHERE aggregateid = :i AND type = :t",
        i=case_id,
        t=identification_contracts.event_type("identification", action),
    )
    return str(state), history, events


@pytest.mark.parametrize(
    ("action", "source", "target", "who", "finding"),
    [
        ("verify", None, "verified", ("village", VILLAGE, "cadre"), {"survey": "ok"}),
        ("village_review", "verified", "village_reviewed", ("village", VILLAGE, "cadre"), VOTE),
        ("county_approve", "second_noticed", "county_approved", ("county", COUNTY, "officer"), CHECKED),
    ],
)
async def test_concurrent_identical_case_actions_take_effect_once(
    identification: Served, action: str, source: str | None, target: str, who: tuple[str, ...], finding: Any
) -> None:
    await _quotas(identification)
    case_id = await _case(identification, source)
    responses = await identification.all_at_once(
        f"/cases/{case_id}/actions/{action}", {"finding": _dated(finding)}, identification.auth(*who)
    )
    winner = one_winner(responses, 200)
    assert winner.json()["state"] == target
    for response in responses:
        if response.status_code == 409:
            assert response.json()["code"] == "out-of-order", response.text
    assert await _case_effects(identification, case_id, action) == (target, 1, 1)
    assert await identification.count("SELECT version FROM cases WHERE id = :i", i=case_id) == 2


@pytest.mark.parametrize(
    ("action", "source", "target", "who", "finding"),
    [
        ("verify", None, "verified", ("village", VILLAGE, "cadre"), {"survey": "ok"}),
        ("county_approve", "second_noticed", "county_approved", ("county", COUNTY, "officer"), CHECKED),
    ],
)
async def test_concurrent_case_actions_with_one_idempotency_key_replay_one_effect(
    identification: Served, action: str, source: str | None, target: str, who: tuple[str, ...], finding: Any
) -> None:
    await _quotas(identification)
    case_id = await _case(identification, source)
    headers = {**identification.auth(*who), "Idempotency-Key": f"approve-{uuid.uuid4()}"}
    responses = await identification.all_at_once(
        f"/cases/{case_id}/actions/{action}", {"finding": finding}, headers
    )
    all_replayed(responses, 200)
    assert responses[0].json()["state"] == target
    assert await _case_effects(identification, case_id, action) == (target, 1, 1)
    assert await identification.count("SELECT count(*) FROM idempotency_keys") == 1
    # Later retries with the key still answer the stored response; the same key on another body is refused.
    again = await identification.client.post(
        f"/cases/{case_id}/actions/{action}", json={"finding": finding}, headers=headers
    )
    assert (again.status_code, again.json()) == (200, responses[0].json())
    other = await identification.client.post(
        f"/cases/{case_id}/actions/{action}", json={"finding": {"other": "body"}}, headers=headers
    )
    assert other.status_code == 422, other.text


@pytest.mark.parametrize("with_key", [False, True])
async def test_concurrent_identical_batch_decisions_decide_once(
    identification: Served, with_key: bool
) -> None:
    await _quotas(identification)
    case_ids = [await _case(identification, "second_noticed") for _ in range(4)]
    county = identification.auth("county", COUNTY, "officer")
    drawn = await identification.client.post(
        "/batches", json={"action": "county_approve", "division": COUNTY}, headers=county
    )
    assert drawn.status_code == 201, drawn.text
    batch = drawn.json()
    assert batch["case_count"] == len(case_ids)
    findings = [{"case_id": case_id, "passed": True, "note": "核实无误"} for case_id in batch["sample"]]
    headers = {**county, "Idempotency-Key": f"decide-{batch['id']}"} if with_key else county
    responses = await identification.all_at_once(
        f"/batches/{batch['id']}/decide", {"findings": findings}, headers
    )
    if with_key:
        all_replayed(responses, 200)
        winner = responses[0]
    else:
        winner = one_winner(responses, 200)
        assert {response.json()["code"] for response in responses if response.status_code == 409} == {
            "decided"
        }
    assert winner.json()["decided"] == len(case_ids)
    assert winner.json()["status"] == "decided"
    for case_id in case_ids:
        assert await _case_effects(identification, case_id, "county_approve") == ("county_approved", 1, 1)
    assert await identification.count(
        "SELECT count(*) FROM case_history WHERE batch_id = :b", b=batch["id"]
    ) == len(case_ids)


# ---- registry ---------------------------------------------------------------------------------------------


def _household_body(head_id: str) -> dict[str, Any]:
    return {
        "division": VILLAGE,
        "village_group": "一组",
        "address": "纪念塔社区一组 8 号",
        "head_name": "张三",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "members": [member_body("张三", head_id, "head")],
    }


async def _registry_effects(
    served: Served, household_id: str, action: str, event_type: str
) -> tuple[int, int]:
    history = await served.count(
        "SELECT count(*) FROM household_history WHERE household_id = :i AND action = :a",
        i=household_id,
        a=action,
    )
    events = await served.count(
        "SELECT count(*) FROM outbox WHERE aggregateid = :i AND type = :t", i=household_id, t=event_type
    )
    return history, events


async def test_concurrent_identical_status_commands_take_effect_once(registry: Served) -> None:
    village = registry.auth("village", VILLAGE, "cadre")
    created = await registry.client.post("/households", json=_household_body(resident_id()), headers=village)
    assert created.status_code == 201, created.text
    household_id = created.json()["id"]
    county = registry.auth("county", COUNTY, "officer")
    responses = await registry.all_at_once(
        f"/households/{household_id}/status-commands", {"action": "register", "reason": "县级审定"}, county
    )
    winner = one_winner(responses, 200)
    assert winner.json()["status"]["code"] == "registered"
    assert {response.json()["code"] for response in responses if response.status_code == 409} == {
        "invalid-transition"
    }
    assert await _registry_effects(
        registry, household_id, "register", registry_contracts.HOUSEHOLD_REGISTERED
    ) == (1, 1)
    assert await registry.count("SELECT version FROM households WHERE id = :i", i=household_id) == 2


async def test_concurrent_identical_member_additions_add_one_member(registry: Served) -> None:
    village = registry.auth("village", VILLAGE, "cadre")
    created = await registry.client.post("/households", json=_household_body(resident_id()), headers=village)
    assert created.status_code == 201, created.text
    household_id = created.json()["id"]
    join = {
        "change": "birth",
        "effective_on": "2010-03-03",
        "reason": "出生",
        # A birth: a child born on the day it joins.
        "member": {**member_body("张小三", resident_id(born=2010), "son"), "labour_capacity": "none"},
    }
    responses = await registry.all_at_once(f"/households/{household_id}/members", join, village)
    winner = one_winner(responses, 201)
    assert winner.json()["member_count"] == 2
    assert {response.json()["code"] for response in responses if response.status_code == 409} == {
        "person-already-registered"
    }
    assert (
        await registry.count("SELECT count(*) FROM household_members WHERE household_id = :i", i=household_id)
        == 2
    )
    assert await registry.count("SELECT member_count FROM households WHERE id = :i", i=household_id) == 2
    assert await _registry_effects(
        registry, household_id, "member.birth", registry_contracts.MEMBER_ADDED
    ) == (1, 1)


async def test_concurrent_identical_household_registrations_create_one_household(registry: Served) -> None:
    village = registry.auth("village", VILLAGE, "cadre")
    responses = await registry.all_at_once("/households", _household_body(resident_id()), village)
    winner = one_winner(responses, 201)
    assert {response.json()["code"] for response in responses if response.status_code == 409} == {
        "person-already-registered"
    }
    assert await registry.count("SELECT count(*) FROM households") == 1
    assert await registry.count("SELECT count(*) FROM household_members") == 1
    assert await _registry_effects(
        registry, winner.json()["id"], "created", registry_contracts.HOUSEHOLD_CREATED
    ) == (1, 1)
    assert await registry.count("SELECT count(*) FROM outbox") == 1
