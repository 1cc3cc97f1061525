"""Payments to households (到户资金) and the supervision findings they raise: each kind raised when the
payment is recorded (with the registry read model fed the registry's events), none for a clean payment,
duplicate-benefit without a key, the later scan, the resolution workflow, the public benefit list and the
events."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)


def kinds(response: Any) -> list[str]:
    return sorted(finding["kind"] for finding in response.json()["findings"])


async def test_a_clean_payment_raises_nothing(harness: Harness) -> None:
    household = await harness.household()
    response = await harness.pay(household)
    assert response.status_code == 201, response.text
    payment = response.json()
    assert payment["findings"] == []
    assert payment["division"] == harness.VILLAGE and payment["ordinal"] == 1
    assert payment["benefit_label"] == "产业奖补" and payment["amount"] == "1000.00"
    events = await harness.outbox()
    assert [event_type for event_type, _ in events] == ["fupin.funds.payment.recorded.v1"]
    assert events[0][1]["finding_kinds"] == [] and events[0][1]["household_id"] == str(household.id)


async def test_a_household_not_registered_is_flagged(harness: Harness) -> None:
    for status in ("candidate", "exited"):
        household = await harness.household(status=status)
        response = await harness.pay(household)
        assert response.status_code == 201, response.text
        assert kinds(response) == ["non-registered"]
    for status in ("returned", "monitored"):
        household = await harness.household(status=status)
        assert kinds(await harness.pay(household)) == []


async def test_a_payment_to_the_dead_is_flagged(harness: Harness) -> None:
    household = await harness.household()
    await harness.member_died(household, household.child_id, dt.date(2026, 2, 1), left=1)
    to_child = await harness.pay(household, member_id=str(household.child_id), benefit="education")
    assert kinds(to_child) == ["deceased"]
    # The household as a whole is not: its head lives.
    assert kinds(await harness.pay(household)) == []

    emptied = await harness.household()
    await harness.member_died(emptied, emptied.child_id, dt.date(2026, 1, 5), left=1)
    await harness.member_died(emptied, emptied.head_id, dt.date(2026, 1, 9), left=0)
    assert kinds(await harness.pay(emptied)) == ["deceased"]
    # Paid before the member died: nothing to find.
    alive_then = await harness.household()
    await harness.member_died(alive_then, alive_then.child_id, dt.date(2026, 6, 1), left=1)
    assert kinds(await harness.pay(alive_then, member_id=str(alive_then.child_id), benefit="education")) == []


async def test_the_same_benefit_twice(harness: Harness) -> None:
    household = await harness.household()
    assert (await harness.pay(household)).status_code == 201
    refused = await harness.pay(household)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "duplicate-benefit"
    # Another period, another benefit or a member's own benefit is no duplicate.
    assert kinds(await harness.pay(household, period="2025")) == []
    assert kinds(await harness.pay(household, benefit="housing")) == []
    assert kinds(await harness.pay(household, member_id=str(household.child_id))) == []
    # Sent with a key of its own, the second payment is recorded (the money left) and flagged.
    keyed = await harness.pay(household, key="second-payment")
    assert keyed.status_code == 201, keyed.text
    assert keyed.json()["ordinal"] == 2 and kinds(keyed) == ["duplicate"]
    replay = await harness.pay(household, key="second-payment")
    assert replay.status_code == 201 and replay.json()["id"] == keyed.json()["id"]


async def test_above_the_standard(harness: Harness) -> None:
    household = await harness.household()
    assert kinds(await harness.pay(household, amount="1000.01")) == ["above-standard"]


async def test_project_payments_before_acceptance_and_over_budget(harness: Harness) -> None:
    project_id = await harness.proposed(
        budget="1500.00", financing=[{"source": "county", "amount": "1500.00"}]
    )
    first = await harness.household()
    second = await harness.household()
    one = await harness.pay(first, project_id=project_id, amount="1000.00", standard="1000.00")
    assert kinds(one) == ["before-acceptance"]
    two = await harness.pay(second, project_id=project_id, amount="600.00", standard="1000.00")
    assert kinds(two) == ["before-acceptance", "over-budget"]
    # After the acceptance (dated before the day paid) a payment within the budget raises nothing.
    accepted = {"accepted_on": "2026-03-01", "result": "passed", "inspectors": ["李四"]}
    await harness.sql(
        "UPDATE projects SET status = 'accepted', acceptance = CAST(:a AS jsonb), budget = 5000 "
        "WHERE id = CAST(:p AS uuid)",
        a=json.dumps(accepted),
        p=project_id,
    )
    third = await harness.household()
    assert kinds(await harness.pay(third, project_id=project_id, paid_on="2026-03-15")) == []
    early = await harness.household()
    assert kinds(await harness.pay(early, project_id=project_id, paid_on="2026-02-15")) == [
        "before-acceptance"
    ]


async def test_what_a_payment_is_refused_for(harness: Harness) -> None:
    household = await harness.household()
    other = await harness.household()
    wrong_member = await harness.pay(household, member_id=str(other.child_id))
    assert wrong_member.status_code == 422 and wrong_member.json()["code"] == "member-not-in-household"
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    too_late = await harness.pay(household, paid_on=future)
    assert too_late.status_code == 422 and too_late.json()["code"] == "future-date"
    assert (await harness.pay(household, amount="0.00")).status_code == 422
    assert (await harness.pay(household, period="2026-13")).status_code == 422
    assert (await harness.pay(household, harness.county(harness.OTHER_COUNTY))).status_code == 404
    assert (await harness.pay(household, harness.township())).status_code == 403
    assert (await harness.pay(household, harness.city())).status_code == 403
    elsewhere = await harness.household(division=harness.OTHER_COUNTY_VILLAGE)
    assert (await harness.pay(elsewhere)).status_code == 404


async def test_a_scan_finds_what_the_registry_said_later(harness: Harness) -> None:
    household = await harness.household()
    paid = await harness.pay(household, member_id=str(household.child_id), benefit="education")
    assert kinds(paid) == []
    # The death, dated before the payment, reaches funds afterwards.
    await harness.member_died(household, household.child_id, dt.date(2026, 1, 10), left=1)
    assert (
        await harness.client.post(
            "/supervision/scan", params={"division": harness.TOWNSHIP}, headers=harness.township()
        )
    ).status_code == 403
    scan = await harness.client.post(
        "/supervision/scan", params={"division": harness.COUNTY}, headers=harness.county()
    )
    assert scan.status_code == 200, scan.text
    assert scan.json() == {"scanned": 1, "raised": {"deceased": 1}}
    again = await harness.client.post(
        "/supervision/scan", params={"division": harness.COUNTY}, headers=harness.county()
    )
    assert again.json() == {"scanned": 1, "raised": {}}
    outside = await harness.client.post(
        "/supervision/scan", params={"division": harness.OTHER_COUNTY}, headers=harness.county()
    )
    assert outside.status_code == 404
    listed = await harness.client.get("/supervision/findings", headers=harness.county())
    assert [(item["kind"], item["raised_by"]) for item in listed.json()] == [("deceased", "scan")]


async def test_the_resolution_workflow(harness: Harness) -> None:
    household = await harness.household(status="candidate")
    paid = await harness.pay(household, amount="1200.00")
    found = {finding["kind"]: finding["id"] for finding in paid.json()["findings"]}
    assert set(found) == {"non-registered", "above-standard"}
    path = f"/supervision/findings/{found['above-standard']}/resolve"
    body = {"resolution": "recovered", "note": "已追回200元"}
    assert (await harness.client.post(path, json=body, headers=harness.township())).status_code == 403
    assert (await harness.client.post(path, json=body, headers=harness.city())).status_code == 403
    other = harness.county(harness.OTHER_COUNTY)
    assert (await harness.client.post(path, json=body, headers=other)).status_code == 404
    resolved = await harness.client.post(path, json=body, headers=harness.county())
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "recovered" and resolved.json()["allowed_resolutions"] == []
    again = await harness.client.post(path, json=body, headers=harness.county())
    assert again.status_code == 409 and again.json()["code"] == "out-of-order"

    path = f"/supervision/findings/{found['non-registered']}/resolve"
    referral = {"resolution": "transferred_to_discipline", "note": "移交区纪委"}
    assert (await harness.client.post(path, json=referral, headers=harness.county())).json()["status"] == (
        "transferred_to_discipline"
    )
    justified = {"resolution": "justified", "note": "核实"}
    assert (await harness.client.post(path, json=justified, headers=harness.county())).status_code == 409
    recovered = await harness.client.post(path, json=body, headers=harness.county())
    assert recovered.json()["status"] == "recovered"

    listed = await harness.client.get(
        "/supervision/findings",
        params={"kind": "above-standard", "status": "recovered"},
        headers=harness.county(),
    )
    assert [item["id"] for item in listed.json()] == [found["above-standard"]]
    assert listed.json()[0]["head_name"] == "张三丰"
    above = await harness.client.get("/supervision/findings", headers=harness.city())
    assert above.status_code == 200 and {item["head_name"] for item in above.json()} == {"张**"}
    assert (await harness.client.get("/supervision/findings", headers=harness.township())).status_code == 403
    page = await harness.client.get("/supervision/findings", params={"limit": 1}, headers=harness.county())
    assert len(page.json()) == 1 and "Next-Cursor" in page.headers
    rest = await harness.client.get(
        "/supervision/findings", params={"after": page.headers["Next-Cursor"]}, headers=harness.county()
    )
    assert len(rest.json()) == 1 and rest.json()[0]["id"] != page.json()[0]["id"]


async def test_the_public_benefit_list_shows_no_personal_data(harness: Harness) -> None:
    household = await harness.household(head="王小二")
    paid = await harness.pay(
        household, member_id=str(household.child_id), benefit="education", period="2026-03"
    )
    await harness.pay(household, period="2025")
    board = await harness.client.get(
        "/public/benefit-lists", params={"division": harness.VILLAGE, "period": "2026-03"}
    )
    assert board.status_code == 200, board.text
    assert board.json() == [
        {
            "division": harness.VILLAGE,
            "head_name": "王**",
            "benefit": "education",
            "benefit_label": "雨露计划补助",
            "period": "2026-03",
            "standard": "1000.00",
            "amount": "1000.00",
        }
    ]
    every = await harness.client.get("/public/benefit-lists", params={"division": harness.VILLAGE})
    assert len(every.json()) == 2
    for personal in (str(household.id), str(household.child_id), paid.json()["id"], "王小二", "matrix"):
        assert personal not in every.text
    township = await harness.client.get("/public/benefit-lists", params={"division": harness.TOWNSHIP})
    assert township.status_code == 422 and township.json()["code"] == "not-a-village"


async def test_the_events_of_findings(harness: Harness) -> None:
    household = await harness.household(status="candidate", head="李大明")
    paid = await harness.pay(household, amount="1500.00")
    finding_id = next(item["id"] for item in paid.json()["findings"] if item["kind"] == "above-standard")
    await harness.client.post(
        f"/supervision/findings/{finding_id}/resolve",
        json={"resolution": "justified", "note": "经核实为补发 13812345678"},
        headers=harness.county(),
    )
    events = await harness.outbox()
    assert [event_type for event_type, _ in events] == [
        "fupin.funds.payment.recorded.v1",
        "fupin.funds.finding.raised.v1",
        "fupin.funds.finding.raised.v1",
        "fupin.funds.finding.resolved.v1",
    ]
    assert sorted(events[0][1]["finding_kinds"]) == ["above-standard", "non-registered"]
    raised = [data for event_type, data in events if event_type.endswith("raised.v1")]
    assert {data["head_name"] for data in raised} == {"李**"}
    assert all("member_id" not in data for data in raised)
    resolved = events[-1][1]
    assert resolved["to_status"] == "justified" and "13812345678" not in resolved["note"]
    text = str(events)
    assert "李大明" not in text
    # Each change audited with its event, in the same transaction.
    assert await harness.sql("SELECT count(*) FROM audit_log") == [(4,)]


async def test_the_code_lists_name_benefits_and_findings(harness: Harness) -> None:
    lists = (await harness.client.get("/code-lists")).json()
    assert {"code": "dibao", "label": "低保金"} in lists["benefit"]
    assert {"code": "duplicate", "label": "重复享受"} in lists["finding_kind"]
    assert {"code": "transferred_to_discipline", "label": "移交纪检监察"} in lists["resolution"]
    assert {"code": "open", "label": "待处理"} in lists["finding_status"]
