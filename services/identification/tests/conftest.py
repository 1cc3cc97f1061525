"""A harness for the identification tests outside test_procedure.py (which keeps its own): the real app
in-process on a fresh database, the test clock on, the background timer off, tokens of any tier, and
households fed through the registry read-model handler as the registry would announce them."""

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

from identification import clock
from identification import text as text_rules
from identification.main import create_app
from identification.readmodel import handlers

VILLAGE = "520102016001"
TOWNSHIP = "520102016000"
COUNTY = "520102000000"
CITY = "520100000000"
PROVINCE = "520000000000"
# A village assembly's tally; its date is the service's today, read when the step is taken (`Harness.vote`):
# a date read once when this module was imported names yesterday after a run crosses midnight in China (or
# the test clock moves on), and a step dated before its case was opened is refused (date-too-early).
TALLY = {"representatives": 30, "present": 21, "votes_for": 18, "votes_against": 2}
DAY = 86_400
# A per-capita net income below every poverty line since 2015 (2,855): a household identified as poor.
POOR_INCOME = "2500"
_serial = itertools.count(500)


def resident_id() -> str:
    n = next(_serial)
    first17 = f"520102{1950 + n % 50:04d}0202{(n * 2 + 1) % 1000:03d}"
    return first17 + check_digit(first17)


@dataclass
class Harness:
    app: FastAPI
    client: httpx.AsyncClient
    stack: Stack

    resident_id = staticmethod(resident_id)

    def auth(self, tier: str, division: str, *roles: str, **extra: Any) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.stack.token(tier, division, list(roles) or ['viewer'], **extra)}"
        }

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
        self,
        division: str = VILLAGE,
        ids: list[str] | None = None,
        members: int = 1,
        name: str = "张三丰",
        place: list[registry_contracts.DivisionNameV1] | None = None,
        income: str | None = POOR_INCOME,
    ) -> uuid.UUID:
        """A household as the registry's created event announces it; with `place`, the event names its
        village and the divisions above it (province first), as the registry's events do since they carry
        places; without, as older events did. Its per-capita net income of this year and the last is
        `income` (below the poverty line by default, so it passes the identification test); None records
        none."""
        household_id = uuid.uuid4()
        cipher = self.app.state.settings.pii_cipher()
        summaries = [
            registry_contracts.MemberSummaryV1(
                member_id=uuid.uuid4(),
                name=name,
                sex="male",
                id_kind="resident_id",
                resident_id_masked=rid[:6] + "********" + rid[-4:],
                relation="head" if index == 0 else "child",
                health="healthy",
                labour_capacity="ordinary",
                status="active",
                resident_id_index=cipher.blind_index(rid).hex(),
            )
            for index, rid in enumerate(ids or [resident_id() for _ in range(members)])
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
            member_count=len(summaries),
            members=summaries,
            place=place,
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
        if income is not None:
            this_year = await self.year()
            for year in (this_year - 1, this_year):
                await self.income(household_id, year, income)
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

    async def income(self, household: uuid.UUID, year: int, amount: str) -> None:
        """A per-capita net income in the read model, as the registry's income event leaves it (a
        correction replaces the year's)."""
        await self.sql(
            "INSERT INTO rm_incomes (household_id, year, per_capita_net_income) VALUES (:h, :y, :a) "
            "ON CONFLICT (household_id, year) DO UPDATE SET per_capita_net_income = excluded.per_capita_net_income",
            h=household,
            y=year,
            a=amount,
        )

    async def year(self) -> int:
        """The service's current year (in China, on the test clock): the round an application is for."""
        async with self.app.state.sessionmaker() as session:
            return clock.civil_year(await clock.now(session))

    async def today(self) -> str:
        """The service's current day in China (on the test clock): the date a step taken now carries."""
        async with self.app.state.sessionmaker() as session:
            return text_rules.today(await clock.now(session)).isoformat()

    async def vote(self, **overrides: Any) -> dict[str, Any]:
        """A village assembly's vote (the tally, `overrides` replacing any of its fields) held today on the
        service's clock, read now: no step is dated before its case was opened."""
        return {"meeting_on": await self.today(), **TALLY, **overrides}

    async def authorisation(self, **overrides: Any) -> dict[str, Any]:
        """The household's signed authorisation of an application (`overrides` replacing any of its
        fields), signed today on the service's clock, read now."""
        return {"signed": True, "signed_by": "张三丰", "signed_on": await self.today(), **overrides}

    async def apply(self, household_id: uuid.UUID, year: int | None = None) -> str:
        response = await self.client.post(
            "/cases",
            json={
                "household_id": str(household_id),
                "year": year or await self.year(),
                "authorisation": await self.authorisation(),
            },
            headers=self.village(),
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def open_monitoring(self, household_id: uuid.UUID, **overrides: Any) -> httpx.Response:
        """A village cadre opens a monitoring warning on the household (a sudden hardship a cadre's visit
        found, this year), `overrides` replacing any field of the body; the answer, whatever it is."""
        body = {
            "household_id": str(household_id),
            "year": await self.year(),
            "monitored_type": "sudden_hardship",
            "discovery": "cadre_visit",
            "detail": "因病支出骤增",
            **overrides,
        }
        response: httpx.Response = await self.client.post("/monitoring", json=body, headers=self.village())
        return response

    async def act(
        self, case_id: str, action: str, headers: dict[str, str], finding: dict[str, Any] | None = None
    ) -> httpx.Response:
        return await self.client.post(
            f"/cases/{case_id}/actions/{action}", json={"finding": finding or {}}, headers=headers
        )

    async def to_first_notice(
        self,
        households: int = 1,
        name: str = "张三丰",
        place: list[registry_contracts.DivisionNameV1] | None = None,
    ) -> tuple[list[str], str]:
        await self.quotas(await self.year(), 10)
        case_ids = []
        for _ in range(households):
            case_id = await self.apply(await self.household(name=name, place=place))
            assert (await self.act(case_id, "verify", self.village(), {"survey": "ok"})).status_code == 200
            vote = await self.vote()
            assert (await self.act(case_id, "village_review", self.village(), vote)).status_code == 200
            case_ids.append(case_id)
        notice = await self.client.post(
            "/notices", json={"division": VILLAGE, "kind": "first"}, headers=self.township()
        )
        assert notice.status_code == 201, notice.text
        return case_ids, str(notice.json()["id"])

    async def advance_clock(self, seconds: int) -> None:
        response = await self.client.post(
            "/admin/clock", json={"advance_s": seconds}, headers=self.auth("nation", "000000000000", "admin")
        )
        assert response.status_code == 200, response.text

    async def state(self, case: str) -> str:
        return str((await self.client.get(f"/cases/{case}", headers=self.village())).json()["state"])

    async def resolve_hit(self, hit_id: str, outcome: str, reason: str) -> httpx.Response:
        """The county's resolution of one comparison hit."""
        response: httpx.Response = await self.client.post(
            f"/comparisons/hits/{hit_id}/resolve",
            json={"outcome": outcome, "reason": reason},
            headers=self.county(),
        )
        return response

    async def push(
        self,
        kind: str,
        *resident_ids: str,
        amount: str | None = None,
        detail: str | None = None,
        tier: str = "county",
        division: str = COUNTY,
    ) -> dict[str, Any]:
        """A department's list of `kind` naming these people (with one amount and one detail each, if
        given), pushed by the county's system unless told otherwise (one above the county is not told what
        matched, comparisons.service.push)."""
        client = self.auth(tier, division, "department", kind="client", scope="comparisons:push")
        extra: dict[str, str] = {} if amount is None else {"amount": amount}
        if detail is not None:
            extra["detail"] = detail
        entries = [{"resident_id": rid, **extra} for rid in resident_ids]
        pushed = await self.client.post(
            "/comparisons/pushes",
            json={"kind": kind, "department": "部门", "entries": entries},
            headers=client,
        )
        assert pushed.status_code == 201, pushed.text
        body: dict[str, Any] = pushed.json()
        return body

    async def hits(self, case: str) -> list[dict[str, Any]]:
        """The comparison hits of one case, as the county reads them."""
        response = await self.client.get("/comparisons/hits", params={"case_id": case}, headers=self.county())
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()
        return found

    async def outbox_types(self) -> list[str]:
        return [row[0] for row in await self.sql("SELECT type FROM outbox ORDER BY seq")]


@pytest_asyncio.fixture
async def harness(fupin_stack: Stack) -> AsyncIterator[Harness]:
    database = await fupin_stack.fresh_database("identification", "identification")
    app = create_app(fupin_stack.settings("identification", database, role="api"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identification") as client:
            yield Harness(app, client, fupin_stack)
