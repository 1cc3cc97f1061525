"""Spending outside an allocation's approved categories (挪用) is a finding once money is committed: at the
county's approval, and by the scan only for projects approved and not rejected. A mere proposal raises
none; a rejected project's open outside-category findings are voided ("project rejected") and the
resolution published."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin_contracts import funds as contracts
from fupin_kit import civil_time

PROVINCE = "520000000000"
COUNTY = "520102000000"
DEADLINE = civil_time.china_today() + dt.timedelta(days=30)


async def infrastructure_only(harness: Any) -> str:
    body = {
        "division": COUNTY,
        "year": 2026,
        "source": "central",
        "amount": "1000000.00",
        "document_number": "黔财农〔2026〕8号",
        "categories": ["infrastructure"],
        "deadline": DEADLINE.isoformat(),
    }
    response = await harness.client.post(
        "/allocations", json=body, headers=harness.auth("province", PROVINCE, "officer")
    )
    assert response.status_code == 201, response.text
    allocation_id: str = response.json()["id"]
    return allocation_id


async def industry_project_drawing_on(harness: Any, allocation_id: str) -> str:
    """An industry project (the default category) drawing on `allocation_id`, proposed by a village cadre."""
    return str(
        await harness.proposed(
            budget="500000.00",
            financing=[
                {"source": "central", "amount": "100000.00", "allocation_id": allocation_id},
                {"source": "integrated", "amount": "400000.00"},
            ],
        )
    )


async def outside_findings(harness: Any) -> list[dict[str, Any]]:
    response = await harness.client.get(
        "/supervision/findings", params={"kind": "outside-category"}, headers=harness.county()
    )
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()
    return listed


async def scan(harness: Any) -> dict[str, Any]:
    response = await harness.client.post(
        "/supervision/scan", params={"division": COUNTY}, headers=harness.county()
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_a_proposal_raises_nothing_and_the_countys_approval_does(harness: Any) -> None:
    project_id = await industry_project_drawing_on(harness, await infrastructure_only(harness))
    assert await outside_findings(harness) == []
    assert (await harness.step(project_id, "township_review", harness.township())).status_code == 200
    assert (await scan(harness))["raised"] == {}
    assert await outside_findings(harness) == []
    approved = await harness.step(project_id, "county_approve")
    assert approved.status_code == 200, approved.text
    (finding,) = await outside_findings(harness)
    assert finding["project_id"] == project_id and finding["raised_by"] == "write"
    raised = [data for kind, data in await harness.outbox() if kind == contracts.FUND_FINDING_RAISED]
    assert [data["project_id"] for data in raised] == [project_id]
    assert (await scan(harness))["raised"] == {}


async def test_the_scan_finds_an_approved_project_it_has_not_found(harness: Any) -> None:
    project_id = await industry_project_drawing_on(harness, await infrastructure_only(harness))
    assert (await harness.step(project_id, "township_review", harness.township())).status_code == 200
    assert (await harness.step(project_id, "county_approve")).status_code == 200
    await harness.sql("DELETE FROM findings")
    assert (await scan(harness))["raised"] == {"outside-category": 1}


async def test_a_rejection_voids_the_projects_open_outside_category_findings(harness: Any) -> None:
    project_id = await industry_project_drawing_on(harness, await infrastructure_only(harness))
    assert (await harness.step(project_id, "township_review", harness.township())).status_code == 200
    assert (await harness.step(project_id, "county_approve")).status_code == 200
    rejected = await harness.step(project_id, "reject", body={"reason": "不符合资金使用范围"})
    assert rejected.status_code == 200, rejected.text
    (finding,) = await outside_findings(harness)
    assert finding["status"] == "voided" and finding["note"] == "project rejected"
    assert finding["allowed_resolutions"] == []
    resolved = [data for kind, data in await harness.outbox() if kind == contracts.FUND_FINDING_RESOLVED]
    payload = contracts.FundFindingResolvedV1.model_validate(resolved[0])
    assert (payload.from_status, payload.to_status, payload.resolution) == ("open", "voided", "voided")
    assert str(payload.project_id) == project_id
    assert (await scan(harness))["raised"] == {}


async def test_a_finding_raised_at_proposal_before_the_fix_is_voided_by_the_rejection(harness: Any) -> None:
    project_id = await industry_project_drawing_on(harness, await infrastructure_only(harness))
    # What the service did before: an outside-category finding as soon as the project was proposed.
    await harness.sql(
        "INSERT INTO findings (id, allocation_id, project_id, division, kind, raised_by) "
        "SELECT gen_random_uuid(), d.allocation_id, d.project_id, p.division, 'outside-category', 'write' "
        "FROM project_draws d JOIN projects p ON p.id = d.project_id WHERE p.id = CAST(:p AS uuid) "
        "ON CONFLICT DO NOTHING",
        p=project_id,
    )
    rejected = await harness.step(project_id, "reject", harness.township(), body={"reason": "村民反对"})
    assert rejected.status_code == 200, rejected.text
    assert [row["status"] for row in await outside_findings(harness)] == ["voided"]
