"""A household's plan (脱贫计划: one at a time, versions kept) and visit log (走访记录): writers, refusals,
masking above the county, events and idempotent retries."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx

from fupin_contracts import assistance as contracts
from fupin_kit import civil_time

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
OTHER_COUNTY_VILLAGE = "520103001001"
PROVINCE = "520000000000"
TODAY = civil_time.china_today()


def plan_body(**overrides: Any) -> dict[str, Any]:
    return {"target_year": TODAY.year + 1, "summary": "发展养殖，务工增收", **overrides}


def visit_body(**overrides: Any) -> dict[str, Any]:
    body = {"visited_on": TODAY.isoformat(), "visitor": "王五", "kind": "home", "notes": "了解生产生活情况"}
    return {**body, **overrides}


async def put_plan(
    harness: Harness, household: uuid.UUID, headers: dict[str, str] | None = None, **overrides: Any
) -> httpx.Response:
    response: httpx.Response = await harness.client.put(
        f"/households/{household}/plan", json=plan_body(**overrides), headers=headers or harness.village()
    )
    return response


async def log_visit(
    harness: Harness, household: uuid.UUID, headers: dict[str, str] | None = None, **overrides: Any
) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/households/{household}/visits", json=visit_body(**overrides), headers=headers or harness.village()
    )
    return response


async def test_a_plan_replaced_keeps_its_earlier_version(harness: Harness) -> None:
    household = await harness.household()
    assert (await harness.client.get(f"/households/{household}/plan", headers=harness.county())).json() == {
        "household_id": str(household),
        "current": None,
        "history": [],
    }
    first = await put_plan(harness, household)
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1
    missing = await put_plan(harness, household, harness.township(), target_year=TODAY.year + 2)
    assert missing.status_code == 422 and missing.json()["code"] == "reason-required"
    second = await put_plan(
        harness, household, harness.county(), target_year=TODAY.year + 2, reason="因病调整"
    )
    assert second.status_code == 200, second.text
    plans = (await harness.client.get(f"/households/{household}/plan", headers=harness.village())).json()
    assert plans["current"]["version"] == 2 and plans["current"]["target_year"] == TODAY.year + 2
    assert [plan["version"] for plan in plans["history"]] == [1]
    staged = [(t, d) for t, d in await harness.outbox() if t == contracts.PLAN_SET]
    assert [data["version"] for _, data in staged] == [1, 2]
    assert staged[1][1]["replaces"] == first.json()["id"] and staged[1][1]["target_year"] == TODAY.year + 2
    # Each change is audited with its event, in the same transaction.
    assert await harness.sql("SELECT count(*) FROM audit_log") == [(2,)]


async def test_the_target_year_is_this_year_to_five_years_on(harness: Harness) -> None:
    household = await harness.household()
    for year in (TODAY.year - 1, TODAY.year + 6):
        refused = await put_plan(harness, household, target_year=year)
        assert refused.status_code == 422 and refused.json()["code"] == "target-year", refused.text
    for year in (TODAY.year, TODAY.year + 5):
        assert (await put_plan(harness, household, target_year=year, reason="调整")).status_code == 200
    too_long = await put_plan(harness, household, summary="字" * 2001, reason="调整")
    assert too_long.status_code == 422


async def test_only_assisted_households_get_a_plan_or_a_visit(harness: Harness) -> None:
    for status in ("candidate", "exited"):
        household = await harness.household(status=status)
        for response in (await put_plan(harness, household), await log_visit(harness, household)):
            assert response.status_code == 409 and response.json()["code"] == "household-status"
    for status in ("returned", "monitored"):
        household = await harness.household(status=status)
        assert (await put_plan(harness, household)).status_code == 200
        assert (await log_visit(harness, household)).status_code == 201


async def test_writers_are_village_cadres_and_township_and_county_officers(harness: Harness) -> None:
    household = await harness.household()
    for headers in (harness.village(), harness.township(), harness.county()):
        assert (await log_visit(harness, household, headers)).status_code == 201
    for headers in (
        harness.auth("village", harness.VILLAGE, "viewer"),
        harness.auth("township", harness.TOWNSHIP, "cadre"),
        harness.auth("county", harness.COUNTY, "viewer"),
        harness.auth("city", harness.CITY, "officer"),
        harness.auth("province", PROVINCE, "officer"),
    ):
        assert (await log_visit(harness, household, headers)).status_code == 403
        assert (await put_plan(harness, household, headers)).status_code == 403
    foreign = await harness.household(division=OTHER_COUNTY_VILLAGE)
    assert (await put_plan(harness, foreign)).status_code == 404
    assert (await log_visit(harness, foreign, harness.county())).status_code == 404
    other_village = await harness.household(division=harness.OTHER_VILLAGE)
    assert (await log_visit(harness, other_village)).status_code == 404


async def test_visits_read_newest_first_in_pages(harness: Harness) -> None:
    household = await harness.household()
    days = [5, 1, 3, 2, 4]
    for ago in days:
        day = (TODAY - dt.timedelta(days=ago)).isoformat()
        response = await log_visit(harness, household, visited_on=day, kind="phone")
        assert response.status_code == 201, response.text
    seen: list[str] = []
    after: str | None = None
    while True:
        params = {"limit": "2", **({"after": after} if after else {})}
        page = await harness.client.get(
            f"/households/{household}/visits", params=params, headers=harness.county()
        )
        assert page.status_code == 200, page.text
        seen += [item["visited_on"] for item in page.json()]
        after = page.headers.get("Next-Cursor")
        if after is None:
            break
    assert seen == [(TODAY - dt.timedelta(days=ago)).isoformat() for ago in sorted(days)]
    bad = await harness.client.get(
        f"/households/{household}/visits", params={"after": "nonsense"}, headers=harness.county()
    )
    assert bad.status_code == 422


async def test_a_visit_is_not_in_the_future_and_has_a_known_kind(harness: Harness) -> None:
    household = await harness.household()
    future = await log_visit(harness, household, visited_on=(TODAY + dt.timedelta(days=1)).isoformat())
    assert future.status_code == 422 and future.json()["code"] == "future-date"
    refused: list[dict[str, Any]] = [{"kind": "letter"}, {"notes": "字" * 2001}, {"visitor": "王5"}]
    for overrides in refused:
        assert (await log_visit(harness, household, **overrides)).status_code == 422, overrides


async def test_typed_numbers_are_masked_above_the_county_and_in_events(harness: Harness) -> None:
    household = await harness.household()
    await put_plan(harness, household, summary="联系人13912345678")
    await log_visit(harness, household, notes="户主电话13912345678", findings="身份证520102199001011234")
    for headers in (harness.city(), harness.auth("province", PROVINCE, "viewer")):
        plan = (await harness.client.get(f"/households/{household}/plan", headers=headers)).json()
        visits = (await harness.client.get(f"/households/{household}/visits", headers=headers)).json()
        assert "13912345678" not in str(plan) and "13912345678" not in str(visits)
        assert "520102199001011234" not in str(visits)
    county = (await harness.client.get(f"/households/{household}/visits", headers=harness.county())).json()
    assert "13912345678" in county[0]["notes"]
    staged = await harness.outbox()
    assert [t for t, _ in staged] == [contracts.PLAN_SET, contracts.VISIT_LOGGED]
    assert "13912345678" not in str(staged) and "520102199001011234" not in str(staged)
    visit = staged[1][1]
    assert visit["name"] == "王五" and visit["division"] == harness.VILLAGE and visit["kind"] == "home"


async def test_a_retried_plan_or_visit_is_answered_once(harness: Harness) -> None:
    household = await harness.household()
    headers = {**harness.village(), "Idempotency-Key": "plan-1"}
    first = await harness.client.put(f"/households/{household}/plan", json=plan_body(), headers=headers)
    retry = await harness.client.put(f"/households/{household}/plan", json=plan_body(), headers=headers)
    assert first.status_code == retry.status_code == 200 and retry.json() == first.json()
    headers = {**harness.village(), "Idempotency-Key": "visit-1"}
    first = await harness.client.post(f"/households/{household}/visits", json=visit_body(), headers=headers)
    retry = await harness.client.post(f"/households/{household}/visits", json=visit_body(), headers=headers)
    assert first.status_code == retry.status_code == 201 and retry.json() == first.json()
    assert len(await harness.outbox()) == 2
