"""A household's measures (帮扶措施): adding, the workflow's table, sign-off, the overdue filter, masking
above the county, events and idempotent retries."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

import httpx
import pytest

from assistance.codes import MeasureStatus
from assistance.measures import workflow
from fupin_contracts import assistance as contracts
from fupin_kit import civil_time

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
PROVINCE = "520000000000"
OTHER_COUNTY_VILLAGE = "520103001001"
TODAY = civil_time.china_today()


def days(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def measure_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "type": "industry",
        "description": "扶持养牛3头",
        "scale": "3头",
        "amount": "6000.50",
        "deadline": days(30),
    }
    return {**body, **overrides}


async def add(
    harness: Harness, household: uuid.UUID, headers: dict[str, str] | None = None, **overrides: Any
) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/households/{household}/measures",
        json=measure_body(**overrides),
        headers=headers or harness.village(),
    )
    return response


async def move(
    harness: Harness, measure: str, headers: dict[str, str] | None = None, **body: Any
) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/measures/{measure}/progress", json=body, headers=headers or harness.village()
    )
    return response


async def sign(harness: Harness, measure: str, **overrides: Any) -> httpx.Response:
    body = {"signed_by": "张三丰", "signed_on": TODAY.isoformat(), **overrides}
    response: httpx.Response = await harness.client.post(
        f"/measures/{measure}/sign-off", json=body, headers=harness.village()
    )
    return response


async def completed(harness: Harness, household: uuid.UUID) -> str:
    measure = (await add(harness, household)).json()["id"]
    assert (await move(harness, measure, status="in_progress")).status_code == 200
    assert (await move(harness, measure, status="completed", result="已购牛3头")).status_code == 200
    return str(measure)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(MeasureStatus, MeasureStatus)))
def test_the_workflow_table(current: MeasureStatus, target: MeasureStatus) -> None:
    allowed = {
        ("planned", "in_progress"),
        ("planned", "cancelled"),
        ("in_progress", "completed"),
        ("in_progress", "cancelled"),
    }
    assert workflow.may_move(current, target) == ((current.value, target.value) in allowed)


async def test_a_measure_is_added_planned_and_listed_with_the_household(harness: Harness) -> None:
    household = await harness.household()
    added = await add(harness, household)
    assert added.status_code == 201, added.text
    measure = added.json()
    assert measure["status"] == "planned" and measure["amount"] == "6000.50" and measure["overdue"] is False
    second = await add(harness, household, harness.county(), type="education", amount=None, scale=None)
    assert second.status_code == 201, second.text
    listed = (
        await harness.client.get(f"/households/{household}/measures", headers=harness.township())
    ).json()
    assert [item["id"] for item in listed] == [measure["id"], second.json()["id"]]
    [(event_type, data), _] = await harness.outbox()
    assert event_type == contracts.MEASURE_ADDED
    assert data["measure_type"] == "industry" and data["amount"] == "6000.50" and data["status"] == "planned"


async def test_bad_measures_are_422(harness: Harness) -> None:
    household = await harness.household()
    refused: list[dict[str, Any]] = [
        {"type": "lottery"},
        {"amount": "-1"},
        {"amount": "1.234"},
        {"description": "字" * 2001},
        {"deadline": "2012-12-31"},
        {"scale": "亩\x07"},
    ]
    for overrides in refused:
        response = await add(harness, household, **overrides)
        assert response.status_code == 422, (overrides, response.text)
    candidate = await harness.household(status="candidate")
    not_assisted = await add(harness, candidate)
    assert not_assisted.status_code == 409 and not_assisted.json()["code"] == "household-status"


async def test_progress_follows_the_table_with_a_result_or_a_reason(harness: Harness) -> None:
    household = await harness.household()
    measure = (await add(harness, household)).json()["id"]
    skipped = await move(harness, measure, status="completed", result="已完成")
    assert skipped.status_code == 409 and skipped.json()["code"] == "invalid-transition"
    assert (await move(harness, measure, status="in_progress")).status_code == 200
    no_result = await move(harness, measure, status="completed")
    assert no_result.status_code == 422 and no_result.json()["code"] == "result-required"
    done = await move(harness, measure, harness.county(), status="completed", result="已购牛3头")
    assert done.status_code == 200 and done.json()["completed_on"] == TODAY.isoformat()
    again = await move(harness, measure, status="cancelled", reason="不再需要")
    assert again.status_code == 409 and again.json()["code"] == "invalid-transition"

    other = (await add(harness, household)).json()["id"]
    no_reason = await move(harness, other, status="cancelled")
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason-required"
    cancelled = await move(harness, other, status="cancelled", reason="户已外出务工")
    assert cancelled.status_code == 200 and cancelled.json()["cancel_reason"] == "户已外出务工"

    progressed = [data for t, data in await harness.outbox() if t == contracts.MEASURE_PROGRESSED]
    assert [(data["from_status"], data["to_status"]) for data in progressed] == [
        ("planned", "in_progress"),
        ("in_progress", "completed"),
        ("planned", "cancelled"),
    ]
    assert progressed[1]["result"] == "已购牛3头" and progressed[2]["reason"] == "户已外出务工"


async def test_the_household_signs_off_a_completed_measure_once(harness: Harness) -> None:
    household = await harness.household()
    planned = (await add(harness, household)).json()["id"]
    early = await sign(harness, planned)
    assert early.status_code == 409 and early.json()["code"] == "measure-not-completed"
    measure = await completed(harness, household)
    assert (await sign(harness, measure, signed_on=days(1))).json()["code"] == "future-date"
    assert (await sign(harness, measure, signed_on=days(-1))).json()["code"] == "date-too-early"
    signed = await sign(harness, measure)
    assert signed.status_code == 200, signed.text
    assert signed.json()["signed_by"] == "张三丰" and signed.json()["signed_on"] == TODAY.isoformat()
    twice = await sign(harness, measure, signed_by="李四")
    assert twice.status_code == 409 and twice.json()["code"] == "already-signed-off"
    [data] = [data for t, data in await harness.outbox() if t == contracts.MEASURE_SIGNED_OFF]
    assert data["name"] == "张三丰" and data["measure_id"] == measure
    city = (await harness.client.get(f"/households/{household}/measures", headers=harness.city())).json()
    assert [item["signed_by"] for item in city if item["signed_by"]] == ["张**"]


async def test_the_list_filters_by_status_type_division_and_overdue(harness: Harness) -> None:
    here = await harness.household()
    there = await harness.household(division=harness.OTHER_VILLAGE)
    late = (await add(harness, here, deadline=days(-1))).json()["id"]
    late_started = (await add(harness, there, harness.county(), deadline=days(-10), type="housing")).json()[
        "id"
    ]
    assert (await move(harness, late_started, harness.county(), status="in_progress")).status_code == 200
    due_today = (await add(harness, here, deadline=days(0))).json()["id"]
    late_cancelled = (await add(harness, here, deadline=days(-3))).json()["id"]
    await move(harness, late_cancelled, status="cancelled", reason="户已搬迁")
    await add(harness, await harness.household(division=OTHER_COUNTY_VILLAGE), harness.auth(
        "county", "520103000000", "officer"
    ), deadline=days(-5))  # fmt: skip

    async def listed(**params: str) -> set[str]:
        response = await harness.client.get("/measures", params=params, headers=harness.county())
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()}

    assert await listed(overdue="true") == {late, late_started}
    assert await listed(overdue="true", type="housing") == {late_started}
    assert await listed(status="planned") == {late, due_today}
    assert await listed(division=harness.OTHER_VILLAGE) == {late_started}
    assert len(await listed()) == 4
    overdue = (await harness.client.get(f"/households/{here}/measures", headers=harness.county())).json()
    assert {item["id"] for item in overdue if item["overdue"]} == {late}

    seen: list[str] = []
    after: str | None = None
    while True:
        params = {"limit": "1", **({"after": after} if after else {})}
        page = await harness.client.get("/measures", params=params, headers=harness.county())
        seen += [item["id"] for item in page.json()]
        after = page.headers.get("Next-Cursor")
        if after is None:
            break
    assert len(seen) == len(set(seen)) == 4
    outside = await harness.client.get(
        "/measures", params={"division": "520103000000"}, headers=harness.county()
    )
    assert outside.status_code == 404


async def test_writers_and_jurisdiction(harness: Harness) -> None:
    household = await harness.household()
    measure = (await add(harness, household)).json()["id"]
    for headers in (harness.city(), harness.auth("village", harness.VILLAGE, "viewer")):
        assert (await add(harness, household, headers)).status_code == 403
        assert (await move(harness, measure, headers, status="in_progress")).status_code == 403
    neighbour = harness.village(harness.OTHER_VILLAGE)
    assert (await add(harness, household, neighbour)).status_code == 404
    assert (await move(harness, measure, neighbour, status="in_progress")).status_code == 404
    unknown = await move(harness, str(uuid.uuid4()), status="in_progress")
    assert unknown.status_code == 404


async def test_typed_numbers_are_masked_above_the_county_and_in_events(harness: Harness) -> None:
    household = await harness.household()
    measure = (await add(harness, household, description="联系13912345678购牛")).json()["id"]
    await move(harness, measure, status="in_progress")
    await move(harness, measure, status="completed", result="款打入6222021234567890123")
    for headers in (harness.city(), harness.auth("province", PROVINCE, "viewer")):
        shown = await harness.client.get("/measures", headers=headers)
        assert "13912345678" not in shown.text and "6222021234567890123" not in shown.text
    county = (await harness.client.get("/measures", headers=harness.county())).json()
    assert "13912345678" in county[0]["description"]
    staged = str(await harness.outbox())
    assert "13912345678" not in staged and "6222021234567890123" not in staged


async def test_a_retried_command_is_answered_once(harness: Harness) -> None:
    household = await harness.household()
    headers = {**harness.village(), "Idempotency-Key": "measure-1"}
    url = f"/households/{household}/measures"
    first = await harness.client.post(url, json=measure_body(), headers=headers)
    retry = await harness.client.post(url, json=measure_body(), headers=headers)
    assert first.status_code == retry.status_code == 201 and retry.json() == first.json()
    headers = {**harness.village(), "Idempotency-Key": "progress-1"}
    path = f"/measures/{first.json()['id']}/progress"
    moved = await harness.client.post(path, json={"status": "in_progress"}, headers=headers)
    again = await harness.client.post(path, json={"status": "in_progress"}, headers=headers)
    assert moved.status_code == again.status_code == 200 and again.json() == moved.json()
    assert await harness.sql("SELECT count(*) FROM measures") == [(1,)]
    assert len(await harness.outbox()) == 2


async def test_the_code_lists_are_public_and_labelled(harness: Harness) -> None:
    lists = (await harness.client.get("/code-lists")).json()
    assert len(lists["measure_type"]) == 14
    assert {"code": "asset_income", "label": "资产收益"} in lists["measure_type"]
    assert [item["code"] for item in lists["measure_status"]] == [status.value for status in MeasureStatus]
    assert [item["code"] for item in lists["visit_kind"]] == ["home", "phone", "other"]
