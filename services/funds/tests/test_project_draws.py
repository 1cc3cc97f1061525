"""Projects draw on allocations: a financing line may name an allocation its county received (same year,
same source); what approved projects commit from one never exceeds what the county kept of it."""

from __future__ import annotations

import asyncio
from typing import Any

from fupin_contracts import funds as contracts

PROVINCE = "520000000000"
CITY = "520100000000"
COUNTY = "520102000000"
SIBLING_COUNTY = "520103000000"


def allocation(division: str = COUNTY, **overrides: Any) -> dict[str, Any]:
    return {
        "division": division,
        "year": 2026,
        "source": "central",
        "amount": "1000000.00",
        "document_number": "黔财农〔2026〕8号",
        "categories": ["industry"],
        "deadline": "2027-12-31",
        **overrides,
    }


async def made(harness, tier: str, division: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await harness.client.post(
        "/allocations", json=body, headers=harness.auth(tier, division, "officer")
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def drawing(allocation_id: str, central: str = "800000.00", **overrides: Any) -> dict[str, Any]:
    """The conftest's project (1,200,000: 800,000 central, 400,000 integrated), its central line drawing
    on the allocation."""
    integrated = "400000.00"
    budget = f"{float(central) + float(integrated):.2f}"
    return {
        "budget": budget,
        "financing": [
            {"source": "central", "amount": central, "allocation_id": allocation_id},
            {"source": "integrated", "amount": integrated},
        ],
        **overrides,
    }


async def approved(harness, project_id: str):
    assert (await harness.step(project_id, "township_review", harness.township())).status_code == 200
    return await harness.step(project_id, "county_approve")


async def test_a_line_draws_on_its_countys_allocation_and_the_event_says_so(harness) -> None:
    received = await made(harness, "province", PROVINCE, allocation())
    project = await harness.propose(**drawing(received["id"]))
    assert project.status_code == 201, project.text
    lines = project.json()["financing"]
    assert lines[0]["allocation_id"] == received["id"] and lines[1]["allocation_id"] is None
    proposed = [data for kind, data in await harness.outbox() if kind == contracts.PROJECT_PROPOSED]
    payload = contracts.ProjectProposedV1.model_validate(proposed[-1])
    assert str(payload.financing[0].allocation_id) == received["id"]
    assert payload.financing[1].allocation_id is None
    detail = await harness.client.get(f"/allocations/{received['id']}", headers=harness.county())
    assert [draw["project_id"] for draw in detail.json()["draws"]] == [project.json()["id"]]


async def test_a_line_without_an_allocation_still_works(harness) -> None:
    response = await harness.propose()
    assert response.status_code == 201
    assert all(line["allocation_id"] is None for line in response.json()["financing"])


async def test_only_an_allocation_of_the_countys_year_and_source_is_drawn_on(harness) -> None:
    other_county = await made(harness, "province", PROVINCE, allocation(SIBLING_COUNTY))
    to_city = await made(harness, "province", PROVINCE, allocation(CITY))
    last_year = await made(harness, "province", PROVINCE, allocation(year=2025))
    provincial = await made(harness, "province", PROVINCE, allocation(source="provincial"))
    for refused in (other_county, to_city, last_year, provincial):
        response = await harness.propose(**drawing(refused["id"]))
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "allocation-not-drawable"
        assert response.json()["errors"][0]["loc"] == ["body", "financing", 0, "allocation_id"]


async def test_approved_projects_never_commit_more_than_the_county_kept(harness) -> None:
    received = await made(harness, "province", PROVINCE, allocation(amount="1500000.00"))
    first = await harness.proposed(**drawing(received["id"], central="800000.00"))
    second = await harness.proposed(**drawing(received["id"], central="700000.01"))
    third = await harness.proposed(**drawing(received["id"], central="700000.00"))
    assert (await approved(harness, first)).status_code == 200
    over = await approved(harness, second)
    assert over.status_code == 409 and over.json()["code"] == "allocation-exceeded"
    assert over.json()["available"] == "700000.00"
    assert (await approved(harness, third)).status_code == 200
    summary = await harness.client.get(
        "/allocations/summary", params={"year": 2026, "division": COUNTY}, headers=harness.county()
    )
    (row,) = summary.json()["divisions"]
    assert (row["received"], row["committed"], row["paid"], row["balance"]) == (
        "1500000.00",
        "1500000.00",
        "0.00",
        "0.00",
    )


async def test_a_rejected_project_frees_what_it_committed(harness) -> None:
    received = await made(harness, "province", PROVINCE, allocation(amount="800000.00"))
    first = await harness.proposed(**drawing(received["id"]))
    second = await harness.proposed(**drawing(received["id"]))
    assert (await approved(harness, first)).status_code == 200
    assert (await approved(harness, second)).status_code == 409
    rejected = await harness.step(first, "reject", body={"reason": "选址不符合规划"})
    assert rejected.status_code == 200, rejected.text
    assert (await harness.step(second, "county_approve")).status_code == 200


async def test_concurrent_approvals_cannot_overcommit(harness) -> None:
    received = await made(harness, "province", PROVINCE, allocation(amount="2000000.00"))
    projects = [await harness.proposed(**drawing(received["id"])) for _ in range(4)]
    for project_id in projects:
        assert (await harness.step(project_id, "township_review", harness.township())).status_code == 200
    responses = await asyncio.gather(*(harness.step(p, "county_approve") for p in projects))
    assert sorted(response.status_code for response in responses) == [200, 200, 409, 409]
