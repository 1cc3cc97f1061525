"""Findings on allocations and the projects drawing on them: idle funds (资金滞留) past the deadline and
spending outside the approved category (挪用), each at its boundary, listed once, resolved like the others."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin_contracts import funds as contracts
from fupin_kit import civil_time

PROVINCE = "520000000000"
CITY = "520100000000"
COUNTY = "520102000000"
TODAY = civil_time.china_today()
DEADLINE = TODAY + dt.timedelta(days=5)


def allocation(division: str = COUNTY, **overrides: Any) -> dict[str, Any]:
    return {
        "division": division,
        "year": 2026,
        "source": "central",
        "amount": "1000000.00",
        "document_number": "黔财农〔2026〕8号",
        "categories": ["industry"],
        "deadline": DEADLINE.isoformat(),
        **overrides,
    }


async def made(harness, tier: str, division: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await harness.client.post(
        "/allocations", json=body, headers=harness.auth(tier, division, "officer")
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def drawing(allocation_id: str, central: str, **overrides: Any) -> dict[str, Any]:
    budget = f"{float(central) + 400000:.2f}"
    return {
        "budget": budget,
        "financing": [
            {"source": "central", "amount": central, "allocation_id": allocation_id},
            {"source": "integrated", "amount": "400000.00"},
        ],
        **overrides,
    }


async def implementing(harness, project_id: str) -> None:
    assert (await harness.step(project_id, "township_review", harness.township())).status_code == 200
    for action in ("county_approve", "post_notice"):
        assert (await harness.step(project_id, action)).status_code == 200, action
    await harness.end_notice(project_id)
    for action in ("enter_library", "start"):
        assert (await harness.step(project_id, action)).status_code == 200, action


async def scan_on(harness, monkeypatch, day: dt.date, division: str = COUNTY) -> dict[str, Any]:
    """A scan as if it were `day` in China (noon)."""
    noon = dt.datetime.combine(day, dt.time(4, 0), tzinfo=dt.UTC)
    with monkeypatch.context() as patched:
        patched.setattr(civil_time, "utc_now", lambda: noon)
        response = await harness.client.post(
            "/supervision/scan", params={"division": division}, headers=harness.county()
        )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def findings(harness, kind: str) -> list[dict[str, Any]]:
    response = await harness.client.get(
        "/supervision/findings", params={"kind": kind}, headers=harness.county()
    )
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()
    return listed


async def test_idle_funds_only_after_the_deadline_day(harness, monkeypatch) -> None:
    received = await made(harness, "province", PROVINCE, allocation())
    on_the_day = await scan_on(harness, monkeypatch, DEADLINE)
    assert on_the_day["raised"] == {}
    after = await scan_on(harness, monkeypatch, DEADLINE + dt.timedelta(days=1))
    assert after["raised"] == {"idle-funds": 1}
    (finding,) = await findings(harness, "idle-funds")
    assert finding["allocation_id"] == received["id"] and finding["idle_amount"] == "1000000.00"
    assert finding["kind_label"] == "资金滞留" and finding["payment_id"] is None
    assert finding["deadline"] == DEADLINE.isoformat() and finding["raised_by"] == "scan"
    sent = [data for kind, data in await harness.outbox() if kind == contracts.FUND_FINDING_RAISED]
    payload = contracts.FundFindingRaisedV1.model_validate(sent[0])
    assert payload.kind == "idle-funds" and str(payload.idle_amount) == "1000000.00"


async def test_money_in_use_is_not_idle_to_the_cent(harness, monkeypatch) -> None:
    whole = await made(harness, "province", PROVINCE, allocation())
    short = await made(harness, "province", PROVINCE, allocation())
    await implementing(harness, await harness.proposed(**drawing(whole["id"], "1000000.00")))
    await implementing(harness, await harness.proposed(**drawing(short["id"], "999999.99")))
    await scan_on(harness, monkeypatch, DEADLINE + dt.timedelta(days=1))
    (finding,) = await findings(harness, "idle-funds")
    assert finding["allocation_id"] == short["id"] and finding["idle_amount"] == "0.01"


async def test_a_project_not_yet_implementing_leaves_the_money_idle(harness, monkeypatch) -> None:
    received = await made(harness, "province", PROVINCE, allocation())
    project_id = await harness.proposed(**drawing(received["id"], "1000000.00"))
    assert (await harness.step(project_id, "township_review", harness.township())).status_code == 200
    assert (await harness.step(project_id, "county_approve")).status_code == 200
    await scan_on(harness, monkeypatch, DEADLINE + dt.timedelta(days=1))
    (finding,) = await findings(harness, "idle-funds")
    assert finding["idle_amount"] == "1000000.00"


async def test_money_passed_down_is_not_idle_and_only_counties_hold_idle_funds(harness, monkeypatch) -> None:
    to_city = await made(harness, "province", PROVINCE, allocation(CITY))
    await made(harness, "city", CITY, allocation(amount="400000.00", parent_id=to_city["id"]))
    with monkeypatch.context() as patched:
        noon = dt.datetime.combine(DEADLINE + dt.timedelta(days=1), dt.time(4, 0), tzinfo=dt.UTC)
        patched.setattr(civil_time, "utc_now", lambda: noon)
        response = await harness.client.post(
            "/supervision/scan",
            params={"division": PROVINCE},
            headers=harness.auth("province", PROVINCE, "officer"),
        )
    assert response.status_code == 200 and response.json()["raised"] == {"idle-funds": 1}
    listed = await harness.client.get(
        "/supervision/findings", params={"kind": "idle-funds"}, headers=harness.auth("province", PROVINCE)
    )
    (finding,) = listed.json()
    assert finding["division"] == COUNTY and finding["idle_amount"] == "400000.00"


async def test_a_finding_is_listed_once_after_two_scans_and_resolved(harness, monkeypatch) -> None:
    await made(harness, "province", PROVINCE, allocation())
    await scan_on(harness, monkeypatch, DEADLINE + dt.timedelta(days=1))
    again = await scan_on(harness, monkeypatch, DEADLINE + dt.timedelta(days=2))
    assert again["raised"] == {}
    (finding,) = await findings(harness, "idle-funds")
    response = await harness.client.post(
        f"/supervision/findings/{finding['id']}/resolve",
        json={"resolution": "justified", "note": "资金已于期限后拨付至项目，情况属实"},
        headers=harness.county(),
    )
    assert response.status_code == 200, response.text
    assert (
        response.json()["status"] == "justified"
        and response.json()["allocation_id"] == finding["allocation_id"]
    )
    sent = [data for kind, data in await harness.outbox() if kind == contracts.FUND_FINDING_RESOLVED]
    payload = contracts.FundFindingResolvedV1.model_validate(sent[0])
    assert payload.to_status == "justified" and str(payload.finding_id) == finding["id"]
    assert [row["status"] for row in await findings(harness, "idle-funds")] == ["justified"]


async def test_drawing_outside_the_approved_categories_is_found_when_approved(harness, monkeypatch) -> None:
    infrastructure_only = await made(harness, "province", PROVINCE, allocation(categories=["infrastructure"]))
    industry = await made(harness, "province", PROVINCE, allocation(categories=["industry", "housing"]))
    outside = await harness.proposed(**drawing(infrastructure_only["id"], "100000.00"))
    inside = await harness.proposed(**drawing(industry["id"], "100000.00"))
    for project_id in (outside, inside):
        assert (await harness.step(project_id, "township_review", harness.township())).status_code == 200
        assert (await harness.step(project_id, "county_approve")).status_code == 200
    (finding,) = await findings(harness, "outside-category")
    assert finding["project_id"] == outside and finding["allocation_id"] == infrastructure_only["id"]
    assert finding["category"] == "industry" and finding["raised_by"] == "write"
    assert finding["kind_label"] == "超范围使用资金（挪用）"
    sent = [data for kind, data in await harness.outbox() if kind == contracts.FUND_FINDING_RAISED]
    payload = contracts.FundFindingRaisedV1.model_validate(sent[0])
    assert str(payload.project_id) == outside and payload.category == "industry"
    scanned = await scan_on(harness, monkeypatch, TODAY)
    assert scanned["raised"] == {}
    assert len(await findings(harness, "outside-category")) == 1


async def test_payment_findings_are_unchanged_and_listed_beside_the_new_kinds(harness, monkeypatch) -> None:
    household = await harness.household()
    paid = await harness.pay(household, amount="1200.00")
    assert paid.status_code == 201 and [row["kind"] for row in paid.json()["findings"]] == ["above-standard"]
    await made(harness, "province", PROVINCE, allocation())
    await scan_on(harness, monkeypatch, DEADLINE + dt.timedelta(days=1))
    listed = await harness.client.get("/supervision/findings", headers=harness.county())
    kinds = sorted(row["kind"] for row in listed.json())
    assert kinds == ["above-standard", "idle-funds"]
    payment_finding = next(row for row in listed.json() if row["kind"] == "above-standard")
    assert payment_finding["amount"] == "1200.00" and payment_finding["allocation_id"] is None
