"""What a second verifier found: a city without counties (东莞) works its own rectification tasks, a round's
and an assessment's; a round's rates count surveyed households only and its close refuses a partial survey
unless it says why; input booleans are JSON booleans and a score of "-0.0" is 0.0; an overdue task is
extended to a day still to come."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx

from fupin_contracts import evaluation as contracts
from fupin_kit import civil_time

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
GUANGDONG = "440000000000"
DONGGUAN = "441900000000"
DONGGUAN_TOWNSHIP = "441900003000"
DONGGUAN_VILLAGE = "441900003001"
VILLAGE = "520102016001"


def _province(harness: Harness, division: str) -> dict[str, str]:
    return harness.auth("province", division, "officer")  # type: ignore[no-any-return]


def _dongguan(harness: Harness) -> dict[str, str]:
    return harness.auth("city", DONGGUAN, "officer")  # type: ignore[no-any-return]


async def _sample(harness: Harness, evaluation: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await harness.client.get(
        f"/evaluations/{evaluation}/sample", params={"limit": 500}, headers=headers
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


async def _round(harness: Harness, county: str, province: dict[str, str]) -> str:
    body = harness.evaluation_body(
        county, townships_per_county=1, villages_per_township=1, households_per_village=10
    )
    opened = await harness.client.post("/evaluations", json=body, headers=province)
    assert opened.status_code == 201, opened.text
    evaluation = str(opened.json()["id"])
    drawn = await harness.client.post(f"/evaluations/{evaluation}/draw", headers=province)
    assert drawn.status_code == 200, drawn.text
    return evaluation


async def _find(
    harness: Harness, evaluation: str, household: Any, headers: dict[str, str], **finding: Any
) -> httpx.Response:
    body = {"household_id": str(household), "satisfied": True, **finding}
    response: httpx.Response = await harness.client.post(
        f"/evaluations/{evaluation}/findings", json=body, headers=headers
    )
    return response


async def _start_and_submit(harness: Harness, task: str, headers: dict[str, str]) -> None:
    steps = f"/rectifications/{task}/steps"
    started = await harness.client.post(
        f"{steps}/start", json={"assignee": DONGGUAN_TOWNSHIP}, headers=headers
    )
    assert started.status_code == 200, started.text
    assert started.json()["assignee"] == DONGGUAN_TOWNSHIP
    submitted = await harness.client.post(f"{steps}/submit", json={"note": "已整改到位"}, headers=headers)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"


# ---- 1. a city without counties works its own tasks -----------------------------------------------------


async def test_dongguan_starts_and_submits_its_round_s_task(harness: Harness) -> None:
    province = _province(harness, GUANGDONG)
    await harness.household(DONGGUAN_VILLAGE, "registered", members=2)
    evaluation = await _round(harness, DONGGUAN, province)
    [row] = await _sample(harness, evaluation, province)
    assert (
        await _find(harness, evaluation, row["household_id"], province, satisfied=False)
    ).status_code == 201
    closed = await harness.client.post(f"/evaluations/{evaluation}/close", headers=province)
    assert closed.status_code == 200, closed.text
    tasks = (await harness.client.get("/rectifications", headers=_dongguan(harness))).json()
    task = next(task for task in tasks if task["kind"] == "approval_rate")
    assert (task["division"], task["worker_tier"]) == (DONGGUAN, "county")
    await _start_and_submit(harness, task["id"], _dongguan(harness))


async def test_dongguan_starts_and_submits_its_assessment_s_task(harness: Harness) -> None:
    province = _province(harness, GUANGDONG)
    body = {"year": 2024, "assessee_level": "county", "assessees": [DONGGUAN]}
    opened = await harness.client.post("/assessments", json=body, headers=province)
    assert opened.status_code == 201, opened.text
    assessment = opened.json()["id"]
    poor = {
        "poverty_reduction": 50,
        "identification_accuracy": 50,
        "assistance_satisfaction": 50,
        "funds": 50,
    }
    for source in ("daily_supervision", "annual_check", "third_party"):
        scored = await harness.client.put(
            f"/assessments/{assessment}/scores/{DONGGUAN}/{source}", json={"scores": poor}, headers=province
        )
        assert scored.status_code == 200, scored.text
    finalized = await harness.client.post(f"/assessments/{assessment}/finalize", headers=province)
    assert finalized.status_code == 200, finalized.text
    [task] = finalized.json()["rectifications"]
    await _start_and_submit(harness, task, _dongguan(harness))


# ---- 2. partial surveys ------------------------------------------------------------------------------------


async def test_rates_count_surveyed_households_and_a_partial_close_says_why(harness: Harness) -> None:
    province = harness.province()
    await harness.household(VILLAGE, "exited", members=2)
    await harness.household(VILLAGE, "candidate", members=3)
    for _ in range(2):
        await harness.household(VILLAGE, "registered", members=2)
    evaluation = await _round(harness, harness.COUNTY, province)
    sample = await _sample(harness, evaluation, province)
    for row in sample:
        if row["status"] != "exited":
            assert (await _find(harness, evaluation, row["household_id"], province)).status_code == 201

    results = (await harness.client.get(f"/evaluations/{evaluation}/results", headers=province)).json()
    found = {rate["code"]: rate for rate in results["rates"]}
    # The exited household was not surveyed: 错退率 has no data, and its people are in no denominator.
    assert found["wrongly_exited"]["denominator"] == 0 and found["wrongly_exited"]["verdict"] == "no-data"
    assert (found["composite_incidence"]["numerator"], found["composite_incidence"]["denominator"]) == (4, 7)
    assert results["unsurveyed_households"] == 1

    refused = await harness.client.post(f"/evaluations/{evaluation}/close", headers=province)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "survey-incomplete" and refused.json()["unsurveyed_households"] == 1

    reason = "该户外出务工，三次上门未遇"
    closed = await harness.client.post(
        f"/evaluations/{evaluation}/close", json={"partial_reason": reason}, headers=province
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["results"]["partial_reason"] == reason
    shown = (await harness.client.get(f"/evaluations/{evaluation}/results", headers=harness.county())).json()
    assert (shown["partial_reason"], shown["unsurveyed_households"]) == (reason, 1)
    [event] = [data for kind, data in await harness.outbox() if kind == contracts.EVALUATION_CLOSED]
    contracts.EvaluationClosedV1.model_validate(event)
    assert (event["partial_reason"], event["unsurveyed_households"]) == (reason, 1)


# ---- 3. loose input -----------------------------------------------------------------------------------------


async def test_finding_booleans_are_json_booleans(harness: Harness) -> None:
    province = harness.province()
    await harness.household(VILLAGE, "registered", members=2)
    evaluation = await _round(harness, harness.COUNTY, province)
    [row] = await _sample(harness, evaluation, province)
    for loose in ({"satisfied": "yes"}, {"satisfied": 1}, {"missed": "false"}):
        refused = await _find(harness, evaluation, row["household_id"], province, **loose)
        assert refused.status_code == 422, (loose, refused.text)
    assert (await _find(harness, evaluation, row["household_id"], province)).status_code == 201
    corrected = await harness.client.put(
        f"/evaluations/{evaluation}/findings/{row['household_id']}",
        json={"satisfied": "no", "reason": "复核更正"},
        headers=province,
    )
    assert corrected.status_code == 422, corrected.text


async def test_a_veto_is_a_json_boolean_and_a_negative_zero_score_is_zero(harness: Harness) -> None:
    townships = ["520102016000", "520102017000"]
    opened = await harness.client.post(
        "/assessments", json={"year": 2024, "assessees": townships}, headers=harness.county()
    )
    assert opened.status_code == 201, opened.text
    assessment = opened.json()["id"]
    scores = {
        "poverty_reduction": "-0.0",
        "identification_accuracy": 80,
        "assistance_satisfaction": 80,
        "funds": 80,
    }
    scored = await harness.client.put(
        f"/assessments/{assessment}/scores/{townships[0]}/daily_supervision",
        json={"scores": scores},
        headers=harness.county(),
    )
    assert scored.status_code == 200, scored.text
    assert scored.json()["scores"]["poverty_reduction"] == "0.0"
    veto = await harness.client.put(
        f"/assessments/{assessment}/assessees/{townships[0]}/veto",
        json={"vetoed": "yes", "reason": "发生重大问题"},
        headers=harness.county(),
    )
    assert veto.status_code == 422, veto.text


# ---- 4. an overdue task's new deadline ----------------------------------------------------------------------


async def test_an_overdue_task_is_extended_to_a_day_still_to_come(harness: Harness) -> None:
    province = harness.province()
    await harness.household(VILLAGE, "registered", members=2)
    evaluation = await _round(harness, harness.COUNTY, province)
    [row] = await _sample(harness, evaluation, province)
    await _find(harness, evaluation, row["household_id"], province, satisfied=False)
    closed = await harness.client.post(f"/evaluations/{evaluation}/close", headers=province)
    assert closed.status_code == 200, closed.text
    task = closed.json()["rectifications"][0]
    today = civil_time.china_today()
    await harness.sql(
        "UPDATE rectifications SET deadline = :day WHERE id = :id",
        day=today - dt.timedelta(days=10),
        id=uuid.UUID(task),
    )
    for day in (today - dt.timedelta(days=5), today):
        body = {"deadline": day.isoformat(), "reason": "跨年度项目，延长期限"}
        refused = await harness.client.post(f"/rectifications/{task}/deadline", json=body, headers=province)
        assert refused.status_code == 422, (day, refused.text)
        assert refused.json()["code"] == "deadline-out-of-range"
    body = {"deadline": (today + dt.timedelta(days=1)).isoformat(), "reason": "跨年度项目，延长期限"}
    extended = await harness.client.post(f"/rectifications/{task}/deadline", json=body, headers=province)
    assert extended.status_code == 200, extended.text
    assert extended.json()["overdue"] is False
