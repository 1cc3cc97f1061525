"""Allocations down the tiers (资金分配/下达): who allocates to whom, pass-downs never above what is held
(also when sent at once), categories within the parent's, the lists, the detail and the summary."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from fupin_contracts import funds as contracts

PROVINCE = "520000000000"
CITY = "520100000000"
COUNTY = "520102000000"
SIBLING_COUNTY = "520103000000"
COUSIN_COUNTY = "520201000000"
COUNTYLESS_CITY = "441900000000"


def allocation(division: str = COUNTY, **overrides: Any) -> dict[str, Any]:
    return {
        "division": division,
        "year": 2026,
        "source": "central",
        "amount": "1000000.00",
        "document_number": "黔财农〔2026〕8号",
        "categories": ["industry", "infrastructure"],
        "deadline": "2027-12-31",
        **overrides,
    }


async def allocate(harness, tier: str, division: str, body: dict[str, Any], role: str = "officer"):
    return await harness.client.post("/allocations", json=body, headers=harness.auth(tier, division, role))


async def made(harness, tier: str, division: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await allocate(harness, tier, division, body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_a_province_allocates_to_a_county_and_the_event_keeps_its_contract(harness) -> None:
    body = await made(harness, "province", PROVINCE, allocation())
    assert body["allocator"] == PROVINCE and body["division"] == COUNTY
    assert body["amount"] == "1000000.00" and body["passed_down"] == "0.00"
    assert body["source_label"] == "中央财政专项扶贫资金"
    assert body["allocated_on"] <= body["deadline"]
    sent = [data for kind, data in await harness.outbox() if kind == contracts.ALLOCATION_MADE]
    assert len(sent) == 1
    payload = contracts.AllocationMadeV1.model_validate(sent[0])
    assert str(payload.allocation_id) == body["id"] and payload.categories == ["industry", "infrastructure"]


async def test_only_officers_of_the_nation_down_to_the_county_allocate(harness) -> None:
    refused = [
        await allocate(harness, "township", "520102016000", allocation()),
        await allocate(harness, "village", "520102016001", allocation(), role="cadre"),
        await allocate(harness, "province", PROVINCE, allocation(), role="viewer"),
    ]
    assert [response.status_code for response in refused] == [403, 403, 403]


async def test_an_allocation_goes_below_the_allocator_at_the_county_level_at_the_lowest(harness) -> None:
    township = await allocate(harness, "province", PROVINCE, allocation("520102016000"))
    assert township.status_code == 422 and township.json()["code"] == "not-an-allocation-receiver"
    own = await allocate(harness, "province", PROVINCE, allocation(PROVINCE))
    assert own.status_code == 422 and own.json()["code"] == "not-an-allocation-receiver"
    central_to_itself = await allocate(harness, "county", COUNTY, allocation())
    assert central_to_itself.status_code == 422
    # The county records its own funds (and integrated ones) to itself; a city without counties alike.
    await made(harness, "county", COUNTY, allocation(source="integrated"))
    await made(harness, "city", COUNTYLESS_CITY, allocation(COUNTYLESS_CITY, source="county"))
    await made(harness, "nation", "000000000000", allocation(COUNTYLESS_CITY))


async def test_outside_the_jurisdiction_is_404(harness) -> None:
    sibling = await allocate(harness, "county", COUNTY, allocation(SIBLING_COUNTY, source="county"))
    cousin = await allocate(harness, "city", CITY, allocation(COUSIN_COUNTY))
    assert (sibling.status_code, cousin.status_code) == (404, 404)
    received = await made(harness, "city", CITY, allocation())
    for tier, division in (
        ("county", SIBLING_COUNTY),
        ("city", "520200000000"),
        ("province", "510000000000"),
    ):
        response = await harness.client.get(
            f"/allocations/{received['id']}", headers=harness.auth(tier, division, "officer")
        )
        assert response.status_code == 404, (tier, division)


async def test_the_deadline_is_not_before_the_allocation_day(harness) -> None:
    yesterday = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    response = await allocate(harness, "province", PROVINCE, allocation(deadline=yesterday))
    assert response.status_code == 422 and response.json()["code"] == "deadline-before-allocation"


async def test_amounts_are_positive_with_two_decimals(harness) -> None:
    for amount in ("0", "-1.00", "1.005"):
        response = await allocate(harness, "province", PROVINCE, allocation(amount=amount))
        assert response.status_code == 422, amount


async def test_a_pass_down_never_exceeds_what_the_parent_holds(harness) -> None:
    parent = await made(harness, "province", PROVINCE, allocation(CITY))
    await made(harness, "city", CITY, allocation(amount="600000.00", parent_id=parent["id"]))
    over = await allocate(
        harness, "city", CITY, allocation(SIBLING_COUNTY, amount="400000.01", parent_id=parent["id"])
    )
    assert over.status_code == 409 and over.json()["code"] == "allocation-exceeded"
    assert over.json()["available"] == "400000.00"
    await made(harness, "city", CITY, allocation(SIBLING_COUNTY, amount="400000.00", parent_id=parent["id"]))
    detail = await harness.client.get(f"/allocations/{parent['id']}", headers=harness.auth("city", CITY))
    assert detail.status_code == 200
    assert detail.json()["passed_down"] == "1000000.00"
    assert sorted(child["division"] for child in detail.json()["children"]) == [COUNTY, SIBLING_COUNTY]


async def test_concurrent_pass_downs_cannot_overspend(harness) -> None:
    parent = await made(harness, "province", PROVINCE, allocation(CITY))
    body = allocation(amount="300000.00", parent_id=parent["id"])
    responses = await asyncio.gather(*(allocate(harness, "city", CITY, body) for _ in range(6)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201, 201, 201, 409, 409, 409], [r.text for r in responses]
    total = await harness.sql(
        "SELECT sum(amount) FROM allocations WHERE parent_id = CAST(:p AS uuid)", p=parent["id"]
    )
    assert str(total[0][0]) == "900000.00"


async def test_a_pass_down_stays_within_the_parents_categories_year_and_source(harness) -> None:
    parent = await made(harness, "province", PROVINCE, allocation(CITY, categories=["industry"]))
    cases = {
        "categories-outside-parent": allocation(categories=["industry", "housing"], parent_id=parent["id"]),
        "allocation-year-mismatch": allocation(year=2025, parent_id=parent["id"]),
        "allocation-source-mismatch": allocation(source="provincial", parent_id=parent["id"]),
    }
    for code, body in cases.items():
        response = await allocate(harness, "city", CITY, body)
        assert response.status_code == 422 and response.json()["code"] == code, response.text
    await made(harness, "city", CITY, allocation(categories=["industry"], parent_id=parent["id"]))


async def test_only_an_allocation_the_callers_division_received_is_passed_down(harness) -> None:
    to_county = await made(harness, "province", PROVINCE, allocation())
    response = await allocate(harness, "city", CITY, allocation(parent_id=to_county["id"]))
    assert response.status_code == 404


async def test_lists_cover_what_was_received_within_the_jurisdiction(harness) -> None:
    to_city = await made(harness, "province", PROVINCE, allocation(CITY))
    to_county = await made(harness, "city", CITY, allocation(amount="10.00", parent_id=to_city["id"]))
    own = await made(harness, "county", COUNTY, allocation(source="county", year=2025))
    listed = await harness.client.get("/allocations", headers=harness.auth("county", COUNTY))
    assert {row["id"] for row in listed.json()} == {to_county["id"], own["id"]}
    by_year = await harness.client.get(
        "/allocations", params={"year": 2026, "source": "central"}, headers=harness.auth("city", CITY)
    )
    assert {row["id"] for row in by_year.json()} == {to_city["id"], to_county["id"]}
    sibling = await harness.client.get("/allocations", headers=harness.auth("county", SIBLING_COUNTY))
    assert sibling.json() == []
    first = await harness.client.get("/allocations", params={"limit": 1}, headers=harness.auth("city", CITY))
    assert len(first.json()) == 1 and "Next-Cursor" in first.headers
    rest = await harness.client.get(
        "/allocations",
        params={"limit": 5, "after": first.headers["Next-Cursor"]},
        headers=harness.auth("city", CITY),
    )
    assert len(rest.json()) == 2
    outside = await harness.client.get(
        "/allocations", params={"division": SIBLING_COUNTY}, headers=harness.auth("county", COUNTY)
    )
    assert outside.status_code == 404


async def test_the_summary_per_receiving_division(harness) -> None:
    to_city = await made(harness, "province", PROVINCE, allocation(CITY))
    await made(harness, "city", CITY, allocation(amount="600000.00", parent_id=to_city["id"]))
    await made(harness, "county", COUNTY, allocation(source="integrated", amount="50000.50"))
    await made(harness, "county", COUNTY, allocation(source="county", year=2025))
    response = await harness.client.get(
        "/allocations/summary", params={"year": 2026}, headers=harness.auth("province", PROVINCE)
    )
    assert response.status_code == 200, response.text
    rows = {row["division"]: row for row in response.json()["divisions"]}
    assert rows[CITY] == {
        "division": CITY,
        "received": "1000000.00",
        "passed_down": "600000.00",
        "committed": "0.00",
        "paid": "0.00",
        "balance": "400000.00",
    }
    assert rows[COUNTY]["received"] == "650000.50" and rows[COUNTY]["passed_down"] == "0.00"
    assert rows[COUNTY]["balance"] == "650000.50"
