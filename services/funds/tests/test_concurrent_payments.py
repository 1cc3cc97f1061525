"""50 concurrent identical payments (quality.md: "50 concurrent identical disbursements"): with one
Idempotency-Key exactly one payment and every request answered the winner's response; without a key
exactly one payment and every loser a 409 duplicate-benefit problem, never a 500. The app runs behind a
real uvicorn server (fupin_kit.testing.InProcessServer) so the requests reach PostgreSQL as concurrent
transactions, as tests/security/test_concurrent_commands.py does for the other services."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from funds.main import create_app
from funds.readmodel import handlers
from fupin_contracts import registry as registry_contracts
from fupin_kit.envelope import new_event
from fupin_kit.testing import InProcessServer, Stack

pytestmark = pytest.mark.timeout(240)

N = 50
VILLAGE = "520102016001"
COUNTY = "520102000000"


@pytest_asyncio.fixture
async def served(fupin_stack: Stack) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    database = await fupin_stack.fresh_database("funds", "funds")
    app = create_app(fupin_stack.settings("funds", database, role="api"))
    async with InProcessServer(app) as server:
        limits = httpx.Limits(max_connections=N + 10, max_keepalive_connections=N + 10)
        async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
            yield app, client


async def _household(app: Any) -> uuid.UUID:
    household_id = uuid.uuid4()
    head = registry_contracts.MemberSummaryV1(
        member_id=uuid.uuid4(),
        name="张三",
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
        division=VILLAGE,
        village_group="一组",
        status="registered",
        identification_standard="national",
        attribute="general",
        main_cause="illness",
        other_causes=[],
        member_count=1,
        members=[head],
    )
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


async def _all_at_once(client: httpx.AsyncClient, body: Any, headers: dict[str, str]) -> list[httpx.Response]:
    gate = asyncio.Event()

    async def one() -> httpx.Response:
        await gate.wait()
        return await client.post("/payments", json=body, headers=headers)

    tasks = [asyncio.create_task(one()) for _ in range(N)]
    await asyncio.sleep(0)
    gate.set()
    return list(await asyncio.gather(*tasks))


async def _count(app: Any, statement: str) -> int:
    async with app.state.sessionmaker() as session:
        return int((await session.execute(text(statement))).scalar_one())


def _body(household_id: uuid.UUID) -> dict[str, Any]:
    return {
        "household_id": str(household_id),
        "benefit": "dibao",
        "period": "2026-03",
        "amount": "500.00",
        "standard": "500.00",
        "paid_on": "2026-03-10",
    }


def _county(fupin_stack: Stack) -> dict[str, str]:
    return {"Authorization": f"Bearer {fupin_stack.token('county', COUNTY, ['officer'])}"}


async def test_fifty_identical_payments_with_one_key_make_one_payment(
    served: tuple[Any, httpx.AsyncClient], fupin_stack: Stack
) -> None:
    app, client = served
    household_id = await _household(app)
    headers = {**_county(fupin_stack), "Idempotency-Key": "dibao-2026-03"}
    responses = await _all_at_once(client, _body(household_id), headers)
    assert Counter(response.status_code for response in responses) == {201: N}
    assert len({response.json()["id"] for response in responses}) == 1
    assert await _count(app, "SELECT count(*) FROM payments") == 1
    assert await _count(app, "SELECT count(*) FROM outbox") == 1
    assert await _count(app, "SELECT count(*) FROM findings") == 0


async def test_fifty_identical_payments_without_a_key_make_one_payment(
    served: tuple[Any, httpx.AsyncClient], fupin_stack: Stack
) -> None:
    app, client = served
    household_id = await _household(app)
    responses = await _all_at_once(client, _body(household_id), _county(fupin_stack))
    assert Counter(response.status_code for response in responses) == {201: 1, 409: N - 1}
    refused = [response for response in responses if response.status_code == 409]
    assert {response.json()["code"] for response in refused} == {"duplicate-benefit"}
    assert await _count(app, "SELECT count(*) FROM payments") == 1
    assert await _count(app, "SELECT count(*) FROM outbox") == 1
