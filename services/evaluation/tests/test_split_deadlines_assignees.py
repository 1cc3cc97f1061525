"""The 5:3:2 satisfaction sample through the API (the split, a short stratum, the same seed, per-stratum
results), the deadline a round's close sets and the province extends (bounds, history, event), and a task
the county assigns to a township (it reads and submits it; a sibling township gets 404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from fupin_contracts import evaluation as contracts
from fupin_kit import civil_time

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
TOWNSHIP = "520102016000"
SIBLING = "520102017000"
VILLAGE_A = "520102016001"
VILLAGE_B = "520102016002"


async def _villages(harness: Harness) -> None:
    """Village A has enough of every stratum; village B one exited household only (a short stratum)."""
    plan = {
        VILLAGE_A: {"registered": 6, "returned": 1, "monitored": 1, "exited": 5, "candidate": 6},
        VILLAGE_B: {"registered": 10, "exited": 1, "candidate": 6},
    }
    for village, statuses in plan.items():
        for status, count in statuses.items():
            for _ in range(count):
                await harness.household(village, status, members=2)


async def _opened(harness: Harness, **design: Any) -> str:
    body = harness.evaluation_body(**{"townships_per_county": 1, "villages_per_township": 2, **design})
    response = await harness.client.post("/evaluations", json=body, headers=harness.province())
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _sample(harness: Harness, evaluation: str) -> list[dict[str, Any]]:
    response = await harness.client.get(
        f"/evaluations/{evaluation}/sample", params={"limit": 500}, headers=harness.province()
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


async def test_the_satisfaction_sample_is_split_five_three_two(harness: Harness) -> None:
    await _villages(harness)
    design = {"households_per_village": 10, "seed": 3, "allocation": "satisfaction_532"}
    evaluation = await _opened(harness, **design)
    same = await _opened(harness, **design)
    drawn = await harness.client.post(f"/evaluations/{evaluation}/draw", headers=harness.province())
    assert drawn.status_code == 200, drawn.text
    # A: 5 poor, 3 exited, 2 non-poor; B: its one exited household, the 2 short going to the poor: 7, 1, 2.
    assert drawn.json()["strata"] == {"poor": 12, "exited": 4, "non_poor": 4}
    assert (drawn.json()["poor_households"], drawn.json()["non_poor_households"]) == (12, 8)
    sample = await _sample(harness, evaluation)
    per_village = {
        village: [row["stratum"] for row in sample if row["division"] == village]
        for village in (VILLAGE_A, VILLAGE_B)
    }
    assert [per_village[VILLAGE_A].count(name) for name in ("poor", "exited", "non_poor")] == [5, 3, 2]
    assert [per_village[VILLAGE_B].count(name) for name in ("poor", "exited", "non_poor")] == [7, 1, 2]
    assert all((row["stratum"] == "exited") == (row["status"] == "exited") for row in sample)

    shown = (await harness.client.get(f"/evaluations/{evaluation}", headers=harness.county())).json()
    assert shown["design"]["allocation"] == "satisfaction_532"
    assert shown["split_per_village"] == {"poor": 5, "exited": 3, "non_poor": 2}
    assert shown["strata"] == {"poor": 12, "exited": 4, "non_poor": 4}
    events = dict((kind, data) for kind, data in await harness.outbox() if kind == contracts.SAMPLE_DRAWN)
    assert events[contracts.SAMPLE_DRAWN]["allocation"] == "satisfaction_532"
    assert events[contracts.SAMPLE_DRAWN]["strata"] == {"poor": 12, "exited": 4, "non_poor": 4}

    await harness.client.post(f"/evaluations/{same}/draw", headers=harness.province())
    assert [row["household_id"] for row in await _sample(harness, same)] == [
        row["household_id"] for row in sample
    ]

    # Every poor household approves but one; 2 of the 4 exited; 3 of the non-poor surveyed, all approving.
    unhappy = {"poor": 1, "exited": 2, "non_poor": 0}
    unsurveyed = {"non_poor": 1}
    for row in sample:
        stratum = row["stratum"]
        if unsurveyed.get(stratum, 0) > 0:
            unsurveyed[stratum] -= 1
            continue
        satisfied = unhappy[stratum] == 0
        unhappy[stratum] = max(unhappy[stratum] - 1, 0)
        body = {"household_id": row["household_id"], "satisfied": satisfied}
        recorded = await harness.client.post(
            f"/evaluations/{evaluation}/findings", json=body, headers=harness.province()
        )
        assert recorded.status_code == 201, recorded.text
    results = (
        await harness.client.get(f"/evaluations/{evaluation}/results", headers=harness.county())
    ).json()
    strata = {row["stratum"]: row for row in results["strata"]}
    assert [row["stratum"] for row in results["strata"]] == ["poor", "exited", "non_poor"]
    assert [(strata[name]["surveyed"], strata[name]["approving"]) for name in strata] == [
        (12, 11),
        (4, 2),
        (3, 3),
    ]
    assert strata["exited"]["approval"] == 0.5 and strata["exited"]["interval_95"]["low"] < 0.5
    approval = next(rate for rate in results["rates"] if rate["code"] == "approval")
    assert (approval["numerator"], approval["denominator"]) == (16, 19)


async def test_an_unknown_allocation_is_refused(harness: Harness) -> None:
    body = harness.evaluation_body(allocation="three_way")
    response = await harness.client.post("/evaluations", json=body, headers=harness.province())
    assert response.status_code == 422


# ---- deadlines and assignees ------------------------------------------------------------------------------


async def _closed(harness: Harness, **close: Any) -> httpx.Response:
    """A round of village A whose one household is found missed and unhappy: an approval task for the
    county and a missed-household task for the village."""
    await harness.household(VILLAGE_A, "candidate", members=3)
    await harness.household(VILLAGE_A, "registered", members=2)
    evaluation = await _opened(harness, households_per_village=2, villages_per_township=1)
    await harness.client.post(f"/evaluations/{evaluation}/draw", headers=harness.province())
    for row in await _sample(harness, evaluation):
        found = row["status"] == "candidate"
        body = {"household_id": row["household_id"], "satisfied": not found, "missed": found}
        await harness.client.post(
            f"/evaluations/{evaluation}/findings", json={**body, "people_affected": 3 if found else 0},
            headers=harness.province(),
        )  # fmt: skip
    response: httpx.Response = await harness.client.post(
        f"/evaluations/{evaluation}/close", json=close or None, headers=harness.province()
    )
    return response


def _task(closed: httpx.Response, kind: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    ids = set(closed.json()["rectifications"])
    return next(task for task in tasks if task["kind"] == kind and task["id"] in ids)


async def _tasks(harness: Harness, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await harness.client.get("/rectifications", params=params, headers=headers)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


async def _extend(harness: Harness, task: str, headers: dict[str, str], day: dt.date) -> httpx.Response:
    body = {"deadline": day.isoformat(), "reason": "跨年度项目，延长期限"}
    response: httpx.Response = await harness.client.post(
        f"/rectifications/{task}/deadline", json=body, headers=headers
    )
    return response


async def test_the_close_sets_the_deadline_within_bounds(harness: Harness) -> None:
    for days in (6, 181):
        refused = await _closed(harness, rectification_days=days)
        assert refused.status_code == 422, refused.text
    closed = await _closed(harness, rectification_days=60)
    assert closed.status_code == 200, closed.text
    today = civil_time.china_today()
    tasks = [
        task
        for task in await _tasks(harness, harness.county())
        if task["id"] in closed.json()["rectifications"]
    ]
    # The approval, missed and composite thresholds and the missed household, all due in 60 days.
    assert len(tasks) == 4 and {task["deadline"] for task in tasks} == {
        (today + dt.timedelta(days=60)).isoformat()
    }
    default = await _closed(harness)
    listed = await _tasks(harness, harness.county())
    assert _task(default, "approval_rate", listed)["deadline"] == (today + dt.timedelta(days=30)).isoformat()


async def test_the_province_extends_a_deadline_with_its_history(harness: Harness) -> None:
    closed = await _closed(harness, rectification_days=30)
    task = _task(closed, "approval_rate", await _tasks(harness, harness.county()))
    opened_with = dt.date.fromisoformat(task["deadline"])
    today = civil_time.china_today()
    assert (
        await _extend(harness, task["id"], harness.county(), opened_with + dt.timedelta(days=5))
    ).status_code == 403
    for day in (opened_with, today + dt.timedelta(days=181)):
        refused = await _extend(harness, task["id"], harness.province(), day)
        assert refused.status_code == 422 and refused.json()["code"] == "deadline-out-of-range"
    first = await _extend(harness, task["id"], harness.province(), opened_with + dt.timedelta(days=10))
    assert first.status_code == 200, first.text
    later = opened_with + dt.timedelta(days=40)
    second = await _extend(harness, task["id"], harness.province(), later)
    assert second.json()["deadline"] == later.isoformat()
    shown = (await harness.client.get(f"/rectifications/{task['id']}", headers=harness.county())).json()
    assert [(c["previous_deadline"], c["deadline"]) for c in shown["deadline_history"]] == [
        (opened_with.isoformat(), (opened_with + dt.timedelta(days=10)).isoformat()),
        ((opened_with + dt.timedelta(days=10)).isoformat(), later.isoformat()),
    ]
    assert shown["deadline_history"][0]["reason"] == "跨年度项目，延长期限"
    extended = [
        data for kind, data in await harness.outbox() if kind == contracts.RECTIFICATION_DEADLINE_EXTENDED
    ]
    assert [data["deadline"] for data in extended] == [
        shown["deadline_history"][0]["deadline"],
        later.isoformat(),
    ]

    for action, headers, note in (("start", harness.county(), None), ("submit", harness.county(), "已整改"),
                                  ("accept", harness.province(), None)):  # fmt: skip
        body = {} if note is None else {"note": note}
        stepped = await harness.client.post(
            f"/rectifications/{task['id']}/steps/{action}", json=body, headers=headers
        )
        assert stepped.status_code == 200, stepped.text
    after = await _extend(harness, task["id"], harness.province(), later + dt.timedelta(days=1))
    assert after.status_code == 409 and after.json()["code"] == "rectification-accepted"


async def _step(
    harness: Harness, task: str, action: str, headers: dict[str, str], **body: Any
) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/rectifications/{task}/steps/{action}", json=body, headers=headers
    )
    return response


async def test_a_task_assigned_to_a_township_is_its_to_submit(harness: Harness) -> None:
    closed = await _closed(harness)
    tasks = await _tasks(harness, harness.county())
    task, household_task = (
        _task(closed, "approval_rate", tasks)["id"],
        _task(closed, "missed_household", tasks)["id"],
    )
    township = harness.auth("township", TOWNSHIP, "officer")
    sibling = harness.auth("township", SIBLING, "officer")
    # Before the assignment the township sees only its village's task.
    assert [row["id"] for row in await _tasks(harness, township, division=TOWNSHIP)] == [household_task]

    county_code = await _step(harness, task, "start", harness.county(), assignee="520102000000")
    assert county_code.status_code == 422 and county_code.json()["code"] == "not-an-assignee"
    assert (await _step(harness, task, "start", harness.county(), assignee="520103001000")).status_code == 404
    wrong_township = await _step(harness, household_task, "start", harness.county(), assignee=SIBLING)
    assert wrong_township.status_code == 422 and wrong_township.json()["code"] == "not-an-assignee"
    started = await _step(harness, task, "start", harness.county(), assignee=TOWNSHIP)
    assert started.status_code == 200, started.text
    assert started.json()["assignee"] == TOWNSHIP and started.json()["status"] == "in_progress"
    progressed = [data for kind, data in await harness.outbox() if kind == contracts.RECTIFICATION_PROGRESSED]
    assert progressed[-1]["assignee"] == TOWNSHIP

    listed = await _tasks(harness, township, division=TOWNSHIP)
    assert task in [row["id"] for row in listed]
    assert task not in [row["id"] for row in await _tasks(harness, sibling)]
    assert (await harness.client.get(f"/rectifications/{task}", headers=sibling)).status_code == 404
    assert (await _step(harness, task, "submit", sibling, note="已整改")).status_code == 404
    with_assignee = await _step(harness, task, "submit", township, note="已整改", assignee=TOWNSHIP)
    assert with_assignee.status_code == 422 and with_assignee.json()["code"] == "not-an-assignee"
    submitted = await _step(harness, task, "submit", township, note="已逐户回访")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted", submitted.text
    assert (await _step(harness, task, "accept", township)).status_code == 403
    returned = await _step(harness, task, "return", harness.province(), note="回访记录不全")
    assert returned.json()["status"] == "in_progress"
    assert (await _step(harness, task, "submit", harness.county(), note="县里补齐")).status_code == 200
    assert (await _step(harness, task, "accept", harness.province())).json()["status"] == "accepted"


async def test_a_village_task_assigned_to_its_village_is_its_cadres_to_submit(harness: Harness) -> None:
    closed = await _closed(harness)
    task = _task(closed, "missed_household", await _tasks(harness, harness.county()))["id"]
    cadre = harness.auth("village", VILLAGE_A, "cadre")
    assert (await _step(harness, task, "start", cadre)).status_code == 403
    started = await _step(harness, task, "start", harness.county(), assignee=VILLAGE_A)
    assert started.status_code == 200, started.text
    submitted = await _step(harness, task, "submit", cadre, note="已补录该户")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted", submitted.text
    viewer = harness.auth("village", VILLAGE_A, "viewer")
    assert (await _step(harness, task, "return", viewer, note="再查")).status_code == 403
