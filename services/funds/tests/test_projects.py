"""The county project library (项目库): proposal, the lifecycle's steps and refusals, history, lists."""

from __future__ import annotations

from typing import Any

import pytest

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
ACCEPTANCE = {
    "accepted_on": "2026-11-01",
    "result": "passed",
    "inspectors": ["李四", "王五"],
    "notes": "工程质量合格",
}


async def _to_status(harness: Harness, project_id: str, status: str) -> None:
    """Drive a proposed project forward up to `status` by the tiers owning each step."""
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("township_reviewed", "township_review", {}),
        ("county_approved", "county_approve", {}),
        ("noticed", "post_notice", {}),
        ("in_library", "enter_library", {}),
        ("implementing", "start", {}),
        ("accepted", "accept", {"acceptance": ACCEPTANCE}),
        ("reimbursed", "reimburse", {"amount": "1150000.50"}),
        ("announced", "announce", {}),
    ]
    for reached, action, body in steps:
        if action == "enter_library":
            await harness.end_notice(project_id)
        headers = harness.township() if action == "township_review" else harness.county()
        response = await harness.step(project_id, action, headers, body)
        assert response.status_code == 200, (action, response.text)
        assert response.json()["status"] == reached
        if reached == status:
            return


async def test_the_whole_lifecycle(harness: Harness) -> None:
    proposed = await harness.propose()
    assert proposed.status_code == 201, proposed.text
    project = proposed.json()
    assert project["status"] == "proposed"
    assert project["budget"] == "1200000.00"
    assert project["allowed_actions"] == ["township_review", "reject"]
    assert project["permitted_actions"] == []  # the village proposes; the township reviews
    await _to_status(harness, project["id"], "announced")

    read = await harness.client.get(f"/projects/{project['id']}", headers=harness.county())
    assert read.status_code == 200
    body = read.json()
    assert body["status"] == "announced" and body["allowed_actions"] == []
    assert body["reimbursed_amount"] == "1150000.50"
    assert body["acceptance"]["inspectors"] == ["李四", "王五"]
    history = body["history"]
    assert [row["action"] for row in history] == [
        "propose",
        "township_review",
        "county_approve",
        "post_notice",
        "enter_library",
        "start",
        "accept",
        "reimburse",
        "announce",
    ]
    assert [row["actor_tier"] for row in history[:3]] == ["village", "township", "county"]
    assert history[3]["detail"]["notice"]["ends_on"] > history[3]["detail"]["notice"]["starts_on"]
    assert history[7]["detail"]["amount"] == "1150000.50"


async def test_permitted_actions_follow_the_callers_tier(harness: Harness) -> None:
    project_id = await harness.proposed()
    as_township = (await harness.client.get(f"/projects/{project_id}", headers=harness.township())).json()
    assert as_township["permitted_actions"] == ["township_review", "reject"]
    as_county = (await harness.client.get(f"/projects/{project_id}", headers=harness.county())).json()
    assert as_county["permitted_actions"] == []


async def test_a_step_out_of_order_is_409(harness: Harness) -> None:
    project_id = await harness.proposed()
    response = await harness.step(project_id, "county_approve")
    assert response.status_code == 409
    assert response.json()["code"] == "out-of-order"
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_wrong_tier_or_role_is_403(harness: Harness) -> None:
    project_id = await harness.proposed()
    by_county = await harness.step(project_id, "township_review", harness.county())
    assert by_county.status_code == 403
    by_viewer = await harness.step(
        project_id, "township_review", harness.auth("township", harness.TOWNSHIP, "viewer")
    )
    assert by_viewer.status_code == 403
    by_village = await harness.propose(harness.auth("village", harness.VILLAGE, "viewer"))
    assert by_village.status_code == 403
    by_city = await harness.propose(harness.auth("city", harness.CITY, "officer"))
    assert by_city.status_code == 403


async def test_financing_that_does_not_add_up_is_422(harness: Harness) -> None:
    response = await harness.propose(
        financing=[{"source": "central", "amount": "800000.00"}, {"source": "county", "amount": "399999.99"}]
    )
    assert response.status_code == 422
    assert response.json()["code"] == "financing-mismatch"
    assert await harness.sql("SELECT count(*) FROM projects") == [(0,)]


async def test_a_missing_or_blank_performance_target_is_422(harness: Harness) -> None:
    body = harness.project_body()
    del body["performance_target"]
    missing = await harness.client.post("/projects", json=body, headers=harness.village())
    assert missing.status_code == 422
    empty = await harness.propose(performance_target=[])
    assert empty.status_code == 422
    blank = await harness.propose(performance_target=[{"indicator": "  ", "target": "20个"}])
    assert blank.status_code == 422
    bidi = await harness.propose(performance_target=[{"indicator": "数量\u202e", "target": "20个"}])
    assert bidi.status_code == 422


async def test_a_project_outside_the_jurisdiction_is_404(harness: Harness) -> None:
    elsewhere = await harness.propose(harness.village(), division=harness.OTHER_VILLAGE)
    assert elsewhere.status_code == 404
    other_county = await harness.propose(harness.county(), division=harness.OTHER_COUNTY_VILLAGE)
    assert other_county.status_code == 404
    project_id = await harness.proposed()
    for headers in (harness.township(harness.OTHER_TOWNSHIP), harness.county(harness.OTHER_COUNTY)):
        assert (await harness.client.get(f"/projects/{project_id}", headers=headers)).status_code == 404
        assert (await harness.step(project_id, "township_review", headers)).status_code == 404


async def test_a_county_code_is_no_place_for_a_project(harness: Harness) -> None:
    response = await harness.propose(harness.county(), division=harness.COUNTY)
    assert response.status_code == 422
    assert response.json()["code"] == "not-a-village-or-township"
    township = await harness.propose(harness.county(), division=harness.TOWNSHIP)
    assert township.status_code == 201


async def test_reimbursement_before_acceptance_is_409(harness: Harness) -> None:
    project_id = await harness.proposed()
    await _to_status(harness, project_id, "implementing")
    response = await harness.step(project_id, "reimburse", body={"amount": "1000.00"})
    assert response.status_code == 409
    assert response.json()["code"] == "payment-before-acceptance"
    early = await harness.step(await harness.proposed(), "reimburse", body={"amount": "1000.00"})
    assert early.json()["code"] == "payment-before-acceptance"


async def test_reimbursement_above_the_budget_is_409(harness: Harness) -> None:
    project_id = await harness.proposed()
    await _to_status(harness, project_id, "accepted")
    response = await harness.step(project_id, "reimburse", body={"amount": "1200000.01"})
    assert response.status_code == 409
    assert response.json()["code"] == "over-budget"
    exact = await harness.step(project_id, "reimburse", body={"amount": "1200000.00"})
    assert exact.status_code == 200


async def test_the_library_waits_for_the_notice_to_end(harness: Harness) -> None:
    project_id = await harness.proposed()
    await _to_status(harness, project_id, "noticed")
    response = await harness.step(project_id, "enter_library")
    assert response.status_code == 409
    assert response.json()["code"] == "notice-running"
    short = await harness.step(await harness.proposed(), "post_notice", body={"notice_days": 9})
    assert short.status_code in (409, 422)


async def test_a_notice_is_up_at_least_ten_days(harness: Harness) -> None:
    project_id = await harness.proposed()
    await _to_status(harness, project_id, "county_approved")
    too_short = await harness.step(project_id, "post_notice", body={"notice_days": 9})
    assert too_short.status_code == 422
    posted = await harness.step(project_id, "post_notice", body={"notice_days": 15})
    notice = posted.json()["notice"]
    assert notice["running"] is True
    rows = await harness.sql(
        "SELECT ends_on - starts_on FROM project_notices WHERE project_id = CAST(:p AS uuid)", p=project_id
    )
    assert rows == [(15,)]


async def test_a_short_notice_only_where_the_deployment_allows_it(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded platform (FUPIN_SHORT_NOTICES=1) lets `fupin demo` post a notice that comes down the day
    it goes up, so its projects reach the library on a first run; elsewhere ten days stay the floor."""
    monkeypatch.delenv("FUPIN_SHORT_NOTICES", raising=False)
    project_id = await harness.proposed()
    await _to_status(harness, project_id, "county_approved")
    refused = await harness.step(project_id, "post_notice", body={"notice_days": 0})
    assert refused.status_code == 422
    monkeypatch.setenv("FUPIN_SHORT_NOTICES", "1")
    posted = await harness.step(project_id, "post_notice", body={"notice_days": 0})
    assert posted.status_code == 200, posted.text
    entered = await harness.step(project_id, "enter_library")
    assert entered.status_code == 200, entered.text
    assert entered.json()["status"] == "in_library"


async def test_rejection_needs_a_reason_and_the_owning_tier(harness: Harness) -> None:
    project_id = await harness.proposed()
    no_reason = await harness.step(project_id, "reject", harness.township())
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "reason-required"
    by_county = await harness.step(project_id, "reject", harness.county(), {"reason": "不符合条件"})
    assert by_county.status_code == 403
    rejected = await harness.step(project_id, "reject", harness.township(), {"reason": "重复申报"})
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["history"][-1]["detail"]["reason"] == "重复申报"
    later = await harness.proposed()
    await _to_status(harness, later, "noticed")
    too_late = await harness.step(later, "reject", harness.county(), {"reason": "调整"})
    assert too_late.status_code == 409


async def test_a_failed_acceptance_is_recorded_and_the_project_stays(harness: Harness) -> None:
    project_id = await harness.proposed()
    await _to_status(harness, project_id, "implementing")
    failed = await harness.step(project_id, "accept", body={"acceptance": {**ACCEPTANCE, "result": "failed"}})
    assert failed.status_code == 200
    assert failed.json()["status"] == "implementing"
    assert failed.json()["history"][-1]["action"] == "fail_acceptance"
    missing = await harness.step(project_id, "accept")
    assert missing.status_code == 422 and missing.json()["code"] == "acceptance-required"


async def test_lists_page_and_filter(harness: Harness) -> None:
    ids = {await harness.proposed() for _ in range(3)}
    education = await harness.proposed(category="education")
    first = await harness.client.get("/projects", params={"limit": 2}, headers=harness.county())
    assert first.status_code == 200 and len(first.json()) == 2
    cursor = first.headers["Next-Cursor"]
    rest = await harness.client.get(
        "/projects", params={"limit": 2, "after": cursor}, headers=harness.county()
    )
    assert "Next-Cursor" not in rest.headers
    seen = {item["id"] for item in first.json() + rest.json()}
    assert seen == ids | {education}
    narrowed = await harness.client.get(
        "/projects", params={"category": "education", "division": harness.VILLAGE}, headers=harness.county()
    )
    assert [item["id"] for item in narrowed.json()] == [education]
    by_status = await harness.client.get(
        "/projects", params={"status": "noticed", "year": 2026}, headers=harness.county()
    )
    assert by_status.json() == []
    outside = await harness.client.get(
        "/projects", params={"division": harness.OTHER_VILLAGE}, headers=harness.village()
    )
    assert outside.status_code == 404
    other = await harness.client.get("/projects", headers=harness.county(harness.OTHER_COUNTY))
    assert other.json() == []


async def test_above_the_county_household_ids_are_not_shown(harness: Harness) -> None:
    project_id = await harness.proposed(tasks="联系人电话13812345678")
    county = (await harness.client.get(f"/projects/{project_id}", headers=harness.county())).json()
    assert county["beneficiaries"]["household_ids"] == ["7d4f7a52-1111-4c5e-9d7b-0a1b2c3d4e5f"]
    city = (await harness.client.get(f"/projects/{project_id}", headers=harness.city())).json()
    assert city["beneficiaries"]["household_ids"] is None
    assert "13812345678" not in city["tasks"]


async def test_code_lists_are_public(harness: Harness) -> None:
    response = await harness.client.get("/code-lists")
    assert response.status_code == 200
    lists = response.json()
    assert {"code": "industry", "label": "产业发展"} in lists["category"]
    assert {item["code"] for item in lists["fund_source"]} == {
        "central",
        "provincial",
        "city",
        "county",
        "integrated",
        "other",
    }
