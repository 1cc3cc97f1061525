"""QA7 domain-conformance F3: a city's line (市定标准, domain.md §2) applies to its counties. The registry
lets a city set a line; identification's read model of the standards follows the same chain (county → city →
province → nation), so an exit and a monitoring warning are checked against the city's line, which the case
records."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from decimal import Decimal
from typing import Any

from fupin_contracts import registry as registry_contracts
from fupin_contracts.standards import applicable_regions
from fupin_kit.envelope import new_event
from identification.readmodel import handlers

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
COUNTY = "520102000000"
CITY = "520100000000"  # 贵阳市
PROVINCE = "520000000000"
NATION = "000000000000"
OTHER_CITY_VILLAGE = "522622100001"  # 黄平县 of 黔东南州: the same province, another city
ASSURANCES = dict.fromkeys(
    ("food", "clothing", "compulsory_education", "basic_medical", "safe_housing", "safe_water"), True
)
_standard_ids = itertools.count(9501)


def test_the_chain_runs_county_city_province_nation() -> None:
    assert applicable_regions(VILLAGE) == [COUNTY, CITY, PROVINCE, NATION]
    assert applicable_regions(CITY) == [CITY, PROVINCE, NATION]
    # A city without counties (东莞) stands in for its county: once in the chain.
    assert applicable_regions("441900003001") == ["441900000000", "440000000000", NATION]


async def _standard(harness: Harness, kind: str, year: int, region: str, amount: str) -> int:
    """A standard set in the registry, delivered as its fupin.registry.standard.set.v1 event."""
    standard_id = next(_standard_ids)
    payload = registry_contracts.StandardSetV1(
        id=standard_id,
        kind=kind,
        year=year,
        region=region,
        amount=Decimal(amount),
        valid_from=dt.date(year, 1, 1),
        set_by="user:city-officer",
        reason="市定标准",
        supersedes=None,
    )
    event = new_event(
        service="registry",
        type=registry_contracts.STANDARD_SET,
        aggregate="standard",
        aggregate_id=str(standard_id),
        division=region,
        data=payload.model_dump(mode="json"),
    )
    async with harness.app.state.sessionmaker() as session, session.begin():
        await handlers.on_standard_set(session, event)
    return standard_id


async def _registered(harness: Harness, registered_year: int, division: str = VILLAGE) -> uuid.UUID:
    household: uuid.UUID = await harness.household(division=division)
    await harness.sql(
        "UPDATE rm_households SET status = 'registered', registered_year = :y WHERE household_id = :h",
        y=registered_year,
        h=household,
    )
    return household


async def _exit(harness: Harness, household: uuid.UUID, year: int, village: str = VILLAGE) -> Any:
    return await harness.client.post(
        "/exits",
        json={
            "household_id": str(household),
            "year": year,
            "assurances": ASSURANCES,
            "finding": await harness.vote(),
        },
        headers=harness.village(village),
    )


async def test_a_city_line_stops_an_exit_below_it(harness: Harness) -> None:
    year = await harness.year()
    city_line = await _standard(harness, "poverty_line", year, CITY, "4400")
    below = await _registered(harness, year - 1)
    await harness.income(below, year, "4300")
    refused = await _exit(harness, below, year)
    assert refused.status_code == 422, refused.text
    assert "not above the line 4400" in str(refused.json()["failed"])
    above = await _registered(harness, year - 1)
    await harness.income(above, year, "4400.01")
    accepted = await _exit(harness, above, year)
    assert accepted.status_code == 201, accepted.text
    history = (
        await harness.client.get(f"/cases/{accepted.json()['id']}/history", headers=harness.county())
    ).json()
    assert history[0]["detail"]["poverty_line"]["id"] == city_line
    assert history[0]["detail"]["poverty_line"]["region"] == CITY
    # Another city of the province keeps the national line.
    elsewhere = await _registered(harness, year - 1, OTHER_CITY_VILLAGE)
    await harness.income(elsewhere, year, "4300")
    assert (await _exit(harness, elsewhere, year, OTHER_CITY_VILLAGE)).status_code == 201


async def test_a_city_monitoring_line_admits_a_warning(harness: Harness) -> None:
    year = await harness.year()
    household = await harness.household()
    await harness.income(household, year, "7000")
    monitor = {"household_id": str(household), "year": year, "monitored_type": "marginal"}
    body = {**monitor, "discovery": "cadre_visit"}
    refused = await harness.client.post("/monitoring", json=body, headers=harness.village())
    assert refused.status_code == 422 and "monitoring line 6000" in str(refused.json()["failed"])
    city_line = await _standard(harness, "monitoring_line", year, CITY, "7500")
    opened = await harness.client.post("/monitoring", json=body, headers=harness.village())
    assert opened.status_code == 201, opened.text
    history = (
        await harness.client.get(f"/cases/{opened.json()['id']}/history", headers=harness.county())
    ).json()
    assert history[0]["detail"]["monitoring_standard"]["id"] == city_line
    assert history[0]["detail"]["monitoring_standard"]["region"] == CITY
