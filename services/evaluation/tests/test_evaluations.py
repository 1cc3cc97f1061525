"""Evaluations through the API: the reproducible stratified draw and its freeze, findings and their
corrections, the rates, the close and its rectification tasks, masking, events and idempotent retries."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from fupin_contracts import evaluation as contracts
from fupin_contracts import registry
from fupin_kit.envelope import new_event

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
TOWNSHIPS = ("520102016", "520102017", "520102018")


async def _county(harness: Harness) -> dict[str, list[uuid.UUID]]:
    """3 townships × 3 villages × 6 households: 2 registered, 1 exited, 3 candidates (2 members each)."""
    made: dict[str, list[uuid.UUID]] = {}
    for township in TOWNSHIPS:
        for village in ("001", "002", "003"):
            division = township + village
            made[division] = [
                await harness.household(division, status, members=2)
                for status in ("registered", "registered", "exited", "candidate", "candidate", "candidate")
            ]
    return made


async def _opened(harness: Harness, **design: Any) -> str:
    response = await harness.client.post(
        "/evaluations", json=harness.evaluation_body(**design), headers=harness.province()
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _draw(harness: Harness, evaluation: str, **headers: str) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/evaluations/{evaluation}/draw", headers={**harness.province(), **headers}
    )
    return response


async def _sample(harness: Harness, evaluation: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 5, **({"after": after} if after else {})}
        response = await harness.client.get(
            f"/evaluations/{evaluation}/sample", params=params, headers=harness.county()
        )
        assert response.status_code == 200, response.text
        found += response.json()
        after = response.headers.get("Next-Cursor")
        if after is None:
            return found


async def _finding(harness: Harness, evaluation: str, **body: Any) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/evaluations/{evaluation}/findings", json={"satisfied": True, **body}, headers=harness.province()
    )
    return response


async def test_the_draw_is_stratified_reproducible_and_frozen(harness: Harness) -> None:
    await _county(harness)
    first = await _opened(harness, seed=7)
    same = await _opened(harness, seed=7)
    other = await _opened(harness, seed=8)
    drawn = await _draw(harness, first)
    assert drawn.status_code == 200, drawn.text
    sizes = drawn.json()
    # 2 of 3 townships × 2 of 3 villages × 4 of 6 households; a village's 4: 3 non-poor... in proportion
    # (3 poor-or-exited... registered are poor: 2 of 6 → round(4 × 2/6) = 1, kept ≥ 1 each way).
    assert (sizes["townships"], sizes["villages"], sizes["households"]) == (2, 4, 16)
    assert (sizes["poor_households"], sizes["non_poor_households"]) == (4, 12)
    assert sizes["evaluation"]["status"] == "drawn" and sizes["evaluation"]["sample_size"] == 16
    assert (await _draw(harness, same)).status_code == 200
    assert (await _draw(harness, other)).status_code == 200

    sample = await _sample(harness, first)
    assert len(sample) == 16 and [row["household_id"] for row in sample[:5]] == [
        row["household_id"] for row in sizes["first"][:5]
    ]
    assert sample == sorted(sample, key=lambda row: (row["division"], row["household_id"]))
    assert [row["household_id"] for row in await _sample(harness, same)] == [
        row["household_id"] for row in sample
    ]
    assert [row["household_id"] for row in await _sample(harness, other)] != [
        row["household_id"] for row in sample
    ]
    per_village: dict[str, int] = {}
    for row in sample:
        per_village[row["division"]] = per_village.get(row["division"], 0) + 1
    assert sorted(per_village.values()) == [4, 4, 4, 4]

    again = await _draw(harness, first)
    assert again.status_code == 409 and again.json()["code"] == "sample-frozen"
    assert len(await _sample(harness, first)) == 16


async def test_open_is_the_province_officers_for_a_county_of_its_own(harness: Harness) -> None:
    assert (await harness.open(harness.county())).status_code == 403
    assert (await harness.open(harness.auth("province", harness.PROVINCE, "viewer"))).status_code == 403
    outside = await harness.open(harness.auth("province", "510000000000", "officer"))
    assert outside.status_code == 404
    township = await harness.open(None, **harness.evaluation_body("520102016000"))
    assert township.status_code == 422 and township.json()["code"] == "not-a-county"
    generated = await harness.open(None, **harness.evaluation_body(seed=None))
    assert generated.status_code == 201 and isinstance(generated.json()["design"]["seed"], int)


async def test_findings_rules_and_corrections(harness: Harness) -> None:
    made = await _county(harness)
    evaluation = await _opened(harness)
    before = await _finding(harness, evaluation, household_id=str(uuid.uuid4()))
    assert before.status_code == 409 and before.json()["code"] == "sample-not-drawn"
    await _draw(harness, evaluation)
    sample = {row["household_id"]: row for row in await _sample(harness, evaluation)}
    by_status = {row["status"]: household for household, row in sample.items()}
    unsampled = next(str(h) for ids in made.values() for h in ids if str(h) not in sample)

    outside = await _finding(harness, evaluation, household_id=unsampled)
    assert outside.status_code == 422 and outside.json()["code"] == "not-in-sample"
    wrong_flag = await _finding(
        harness, evaluation, household_id=by_status["registered"], wrongly_exited=True
    )
    assert wrong_flag.status_code == 422 and wrong_flag.json()["code"] == "finding-not-applicable"
    missed_poor = await _finding(harness, evaluation, household_id=by_status["registered"], missed=True)
    assert missed_poor.status_code == 422
    too_many = await _finding(harness, evaluation, household_id=by_status["candidate"], people_affected=3)
    assert too_many.status_code == 422 and too_many.json()["code"] == "people-affected"
    assert (
        await _finding(harness, evaluation, household_id=by_status["candidate"], people_affected=-1)
    ).status_code == 422

    recorded = await _finding(
        harness,
        evaluation,
        household_id=by_status["candidate"],
        missed=True,
        people_affected=2,
        note="电话13812345678",
    )
    assert recorded.status_code == 201, recorded.text
    again = await _finding(harness, evaluation, household_id=by_status["candidate"])
    assert again.status_code == 409 and again.json()["code"] == "duplicate-finding"
    assert (await _finding(harness, evaluation, household_id=by_status["exited"], wrongly_exited=True,
                           people_affected=1)).status_code == 201  # fmt: skip
    county_officer = await harness.client.post(
        f"/evaluations/{evaluation}/findings",
        json={"household_id": by_status["registered"], "satisfied": True},
        headers=harness.county(),
    )
    assert county_officer.status_code == 403

    path = f"/evaluations/{evaluation}/findings/{by_status['candidate']}"
    no_reason = await harness.client.put(path, json={"satisfied": False}, headers=harness.province())
    assert no_reason.status_code == 422
    corrected = await harness.client.put(
        path, json={"satisfied": False, "reason": "复核更正"}, headers=harness.province()
    )
    assert corrected.status_code == 200 and corrected.json()["version"] == 2
    assert corrected.json()["missed"] is False
    history = await harness.sql("SELECT version, reason, replaced->>'missed' FROM finding_history")
    assert history == [(1, "复核更正", "true")]
    audited = await harness.sql("SELECT action FROM audit_log WHERE action LIKE 'finding.%' ORDER BY seq")
    assert [row[0] for row in audited] == ["finding.recorded", "finding.recorded", "finding.corrected"]

    # Masking above the county: the note's mobile is masked for the province, in full for the county.
    shown_above = await harness.client.get(path.replace(by_status["candidate"], by_status["exited"]),
                                           headers=harness.province())  # fmt: skip
    assert shown_above.status_code == 200
    await harness.client.put(
        path,
        json={"satisfied": False, "note": "电话13812345678", "reason": "补记"},
        headers=harness.province(),
    )
    assert "13812345678" not in (await harness.client.get(path, headers=harness.province())).text
    assert (await harness.client.get(path, headers=harness.county())).json()["note"] == "电话13812345678"


async def test_results_close_and_rectifications(harness: Harness) -> None:
    await _county(harness)
    evaluation = await _opened(harness)
    await _draw(harness, evaluation)
    sample = await _sample(harness, evaluation)
    exited = [row for row in sample if row["status"] == "exited"]
    candidates = [row for row in sample if row["status"] == "candidate"]
    # Hand computed: 16 households × 2 = 32 people, 4 registered (8 people); the 12 non-poor are exited or
    # candidates as the seed fell (e and c); 1 wrongly exited person, 2 missed people; 16 surveyed, 14
    # satisfied: composite (8 + 2 + 1) / 32.
    assert len(exited) + len(candidates) == 12 and exited and candidates
    for index, row in enumerate(sample):
        body: dict[str, Any] = {"household_id": row["household_id"], "satisfied": index >= 2}
        if row is exited[0]:
            body.update(wrongly_exited=True, people_affected=1)
        if row is candidates[0]:
            body.update(missed=True, people_affected=2)
        assert (await _finding(harness, evaluation, **body)).status_code == 201

    results = (
        await harness.client.get(f"/evaluations/{evaluation}/results", headers=harness.county())
    ).json()
    found = {rate["code"]: rate for rate in results["rates"]}
    assert (found["wrongly_exited"]["numerator"], found["wrongly_exited"]["denominator"]) == (
        1,
        2 * len(exited),
    )
    assert (found["missed"]["numerator"], found["missed"]["denominator"]) == (2, 2 * len(candidates))
    assert (found["approval"]["numerator"], found["approval"]["denominator"]) == (14, 16)
    assert (found["composite_incidence"]["numerator"], found["composite_incidence"]["denominator"]) == (
        11,
        32,
    )
    assert found["approval"]["value"] == 0.875
    interval = found["approval"]["interval_95"]
    assert round(interval["low"], 4) == 0.6398 and round(interval["high"], 4) == 0.9650
    assert [rate["verdict"] for rate in results["rates"]] == ["veto"] * 4
    assert results["west"] is True and results["verdict"] == "veto" and results["final"] is False

    county_close = await harness.client.post(f"/evaluations/{evaluation}/close", headers=harness.county())
    assert county_close.status_code == 403
    closed = await harness.client.post(f"/evaluations/{evaluation}/close", headers=harness.province())
    assert closed.status_code == 200, closed.text
    assert closed.json()["results"]["final"] is True
    # 4 failed thresholds + 1 wrongly exited household + 1 missed household.
    assert len(closed.json()["rectifications"]) == 6
    late = await _finding(harness, evaluation, household_id=sample[-1]["household_id"])
    assert late.status_code == 409
    reclose = await harness.client.post(f"/evaluations/{evaluation}/close", headers=harness.province())
    assert reclose.status_code == 409 and reclose.json()["code"] == "evaluation-closed"

    tasks = (await harness.client.get("/rectifications", headers=harness.county())).json()
    assert sorted(task["kind"] for task in tasks) == sorted(
        ["wrongly_exited_rate", "missed_rate", "approval_rate", "composite_incidence_rate",
         "wrongly_exited_household", "missed_household"]
    )  # fmt: skip
    assert all(task["status"] == "open" and not task["overdue"] for task in tasks)
    # Each summary is Chinese text: its label, a full-width colon, the figure.
    assert all("：" in task["summary"] and ": " not in task["summary"] for task in tasks), tasks
    household_task = next(task for task in tasks if task["kind"] == "missed_household")
    assert household_task["household_id"] == candidates[0]["household_id"]
    assert household_task["division"] == candidates[0]["division"]

    types = [event_type for event_type, _ in await harness.outbox()]
    assert types.count(contracts.EVALUATION_OPENED) == 1 and types.count(contracts.SAMPLE_DRAWN) == 1
    assert types.count(contracts.EVALUATION_CLOSED) == 1 and types.count(contracts.RECTIFICATION_OPENED) == 6
    closed_event = next(
        data for event_type, data in await harness.outbox() if event_type == contracts.EVALUATION_CLOSED
    )
    assert closed_event["verdict"] == "veto" and closed_event["rectifications"] == 6


async def test_the_east_threshold_for_composite_incidence(harness: Harness) -> None:
    county = "330102000000"
    for status in ("registered",) + ("candidate",) * 39:
        await harness.household("330102001001", status, members=1)
    province = harness.auth("province", "330000000000", "officer")
    body = harness.evaluation_body(
        county, townships_per_county=1, villages_per_township=1, households_per_village=40
    )
    evaluation = (await harness.client.post("/evaluations", json=body, headers=province)).json()["id"]
    assert (await harness.client.post(f"/evaluations/{evaluation}/draw", headers=province)).status_code == 200
    # The rates count surveyed households only: every sampled household gets its finding.
    sample = await harness.client.get(
        f"/evaluations/{evaluation}/sample", params={"limit": 100}, headers=province
    )
    for row in sample.json():
        body = {"household_id": row["household_id"], "satisfied": True}
        found = await harness.client.post(f"/evaluations/{evaluation}/findings", json=body, headers=province)
        assert found.status_code == 201, found.text
    results = (await harness.client.get(f"/evaluations/{evaluation}/results", headers=province)).json()
    composite = next(rate for rate in results["rates"] if rate["code"] == "composite_incidence")
    # 1 / 40 = 2.5%: vetoed in the east (< 2%), where the west's < 3% would pass.
    assert composite["value"] == 0.025 and composite["threshold"] == 0.02 and composite["verdict"] == "veto"
    assert results["west"] is False


async def _closed_with_tasks(harness: Harness) -> list[dict[str, Any]]:
    await harness.household("520102016001", "registered", members=2)
    evaluation = await _opened(harness)
    await _draw(harness, evaluation)
    sample = await _sample(harness, evaluation)
    await _finding(harness, evaluation, household_id=sample[0]["household_id"], satisfied=False)
    await harness.client.post(f"/evaluations/{evaluation}/close", headers=harness.province())
    tasks: list[dict[str, Any]] = (
        await harness.client.get("/rectifications", headers=harness.county())
    ).json()
    return tasks


async def _step(
    harness: Harness, task: str, action: str, headers: dict[str, str], **body: Any
) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/rectifications/{task}/steps/{action}", json=body, headers=headers
    )
    return response


async def test_the_rectification_workflow(harness: Harness) -> None:
    tasks = await _closed_with_tasks(harness)
    task = next(task["id"] for task in tasks if task["kind"] == "approval_rate")
    out_of_order = await _step(harness, task, "submit", harness.county(), note="已整改")
    assert out_of_order.status_code == 409 and out_of_order.json()["code"] == "invalid-transition"
    assert (await _step(harness, task, "start", harness.province())).status_code == 403
    assert (await _step(harness, task, "start", harness.county())).json()["status"] == "in_progress"
    no_note = await _step(harness, task, "submit", harness.county())
    assert no_note.status_code == 422 and no_note.json()["code"] == "note-required"
    done = "已逐户回访，联系人13812345678"
    submitted = await _step(harness, task, "submit", harness.county(), note=done)
    assert submitted.json()["status"] == "submitted" and submitted.json()["done"] == done
    assert (await _step(harness, task, "accept", harness.county())).status_code == 403
    returned = await _step(harness, task, "return", harness.province(), note="回访记录不全")
    assert returned.json()["status"] == "in_progress"
    assert "13812345678" not in returned.text  # the province reads the county's text masked
    await _step(harness, task, "submit", harness.county(), note="已补齐回访记录")
    accepted = await _step(harness, task, "accept", harness.province())
    assert accepted.json()["status"] == "accepted"
    assert (await _step(harness, task, "return", harness.province(), note="再查")).status_code == 409

    types = [event_type for event_type, _ in await harness.outbox()]
    assert types.count(contracts.RECTIFICATION_PROGRESSED) == 3
    assert (
        types.count(contracts.RECTIFICATION_RETURNED) == 1
        and types.count(contracts.RECTIFICATION_ACCEPTED) == 1
    )
    listed = await harness.client.get(
        "/rectifications", params={"status": "accepted"}, headers=harness.county()
    )
    assert [row["id"] for row in listed.json()] == [task]


async def test_overdue_and_idempotent_retry(harness: Harness) -> None:
    tasks = await _closed_with_tasks(harness)
    task = tasks[0]["id"]
    await harness.sql(
        "UPDATE rectifications SET deadline = current_date - 1 WHERE id = :id", id=uuid.UUID(task)
    )
    overdue = await harness.client.get(
        "/rectifications", params={"overdue": "true"}, headers=harness.county()
    )
    assert [row["id"] for row in overdue.json()] == [task] and overdue.json()[0]["overdue"] is True

    headers = {**harness.county(), "Idempotency-Key": "start-once"}
    first = await _step(harness, task, "start", headers)
    retry = await _step(harness, task, "start", headers)
    assert first.status_code == retry.status_code == 200 and first.json() == retry.json()
    assert [t for t, _ in await harness.outbox()].count(contracts.RECTIFICATION_PROGRESSED) == 1

    body = harness.evaluation_body()
    key = {**harness.province(), "Idempotency-Key": "open-once"}
    opened = await harness.client.post("/evaluations", json=body, headers=key)
    again = await harness.client.post("/evaluations", json=body, headers=key)
    assert opened.json()["id"] == again.json()["id"]
    assert await harness.sql("SELECT count(*) FROM evaluations") == [(2,)]


async def test_the_read_model_keeps_the_latest_version_and_member_count(harness: Harness) -> None:
    household = await harness.household("520102016001", "exited", members=3)
    stale = registry.HouseholdStatusChangedV1(
        household_id=household,
        division="520102016001",
        version=1,
        from_status="candidate",
        to_status="registered",
        reason="旧事件",
    )
    event = new_registry_event(registry.HOUSEHOLD_REGISTERED, household, stale)
    await harness.deliver(event)
    rows = await harness.sql("SELECT status, member_count, version FROM rm_households")
    assert rows == [("exited", 3, 2)]


def new_registry_event(event_type: str, household: uuid.UUID, payload: Any) -> Any:
    return new_event(
        service="registry",
        type=event_type,
        aggregate="household",
        aggregate_id=str(household),
        division=payload.division,
        data=payload.model_dump(mode="json"),
    )


async def test_the_list_of_evaluations_is_the_callers_jurisdiction(harness: Harness) -> None:
    evaluation = await _opened(harness)
    listed = await harness.client.get("/evaluations", headers=harness.county())
    assert [row["id"] for row in listed.json()] == [evaluation]
    other = await harness.client.get("/evaluations", headers=harness.auth("county", "520103000000", "viewer"))
    assert other.json() == []
    lists = (await harness.client.get("/code-lists")).json()
    assert {"evaluation_status", "rate", "rectification_kind", "rectification_status"} <= lists.keys()
