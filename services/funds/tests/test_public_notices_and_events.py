"""The public board's project notices (公示: no login, no personal data, searchable after they end), the
events every step stages in the outbox, Idempotency-Key retries, and concurrent identical approvals."""

from __future__ import annotations

import asyncio
import json
from typing import Any

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
HOUSEHOLD_ID = "7d4f7a52-1111-4c5e-9d7b-0a1b2c3d4e5f"
CONCURRENT = 10


async def _approved(harness: Harness, headers: dict[str, str] | None = None, **overrides: Any) -> str:
    project_id: str = await harness.proposed(headers, **overrides)
    assert (await harness.step(project_id, "township_review", harness.township())).status_code == 200
    assert (await harness.step(project_id, "county_approve")).status_code == 200
    return project_id


async def test_the_notice_is_public_without_personal_data(harness: Harness) -> None:
    project_id = await _approved(harness, responsible_unit="南明区农业农村局 13812345678")
    before = await harness.client.get(f"/public/project-notices/{project_id}")
    assert before.status_code == 404
    assert (await harness.step(project_id, "post_notice")).status_code == 200

    response = await harness.client.get(f"/public/project-notices/{project_id}")
    assert response.status_code == 200, response.text
    notice = response.json()
    assert notice["name"] == "纪念塔社区蔬菜大棚建设项目"
    assert notice["category"] == "industry" and notice["category_label"] == "产业发展"
    assert notice["division"] == harness.VILLAGE
    assert notice["budget"] == "1200000.00"
    assert notice["financing"] == [
        {"source": "central", "amount": "800000.00"},
        {"source": "integrated", "amount": "400000.00"},
    ]
    assert notice["performance_target"][0] == {"indicator": "新建蔬菜大棚数量", "target": "20个"}
    assert (notice["beneficiary_households"], notice["beneficiary_people"]) == (2, 7)
    assert notice["running"] is True
    assert notice["ends_on"] >= notice["starts_on"]
    text = response.text
    for personal in (HOUSEHOLD_ID, "13812345678", "matrix", "proposed_by", "posted_by", "household_ids"):
        assert personal not in text, personal


async def test_an_ended_notice_stays_searchable(harness: Harness) -> None:
    project_id = await _approved(harness)
    await harness.step(project_id, "post_notice")
    await harness.end_notice(project_id)
    assert (await harness.step(project_id, "enter_library")).status_code == 200
    elsewhere = await _approved(harness, harness.township(), division=harness.OTHER_VILLAGE)
    await harness.step(elsewhere, "post_notice")
    await harness.proposed()  # not noticed: not on the board

    board = await harness.client.get("/public/project-notices", params={"division": harness.VILLAGE})
    assert board.status_code == 200
    assert [(item["project_id"], item["running"]) for item in board.json()] == [(project_id, False)]
    township = await harness.client.get("/public/project-notices", params={"division": harness.TOWNSHIP})
    assert {item["project_id"] for item in township.json()} == {project_id, elsewhere}
    paged = await harness.client.get(
        "/public/project-notices", params={"division": harness.TOWNSHIP, "limit": 1}
    )
    assert len(paged.json()) == 1 and "Next-Cursor" in paged.headers
    other_year = await harness.client.get(
        "/public/project-notices", params={"division": harness.TOWNSHIP, "year": 2025}
    )
    assert other_year.json() == []


async def test_every_step_stages_its_event(harness: Harness) -> None:
    project_id = await _approved(harness)
    await harness.step(project_id, "post_notice")
    events = await harness.outbox()
    assert [event_type for event_type, _ in events] == [
        "fupin.funds.project.proposed.v1",
        "fupin.funds.project.township_reviewed.v1",
        "fupin.funds.project.approved.v1",
        "fupin.funds.project.noticed.v1",
    ]
    proposed = events[0][1]
    assert proposed["budget"] == "1200000.00" and proposed["division"] == harness.VILLAGE
    assert HOUSEHOLD_ID not in json.dumps(events, ensure_ascii=False)
    noticed = events[3][1]
    assert (noticed["from_status"], noticed["to_status"]) == ("county_approved", "noticed")
    rows = await harness.sql("SELECT aggregateid, division FROM outbox")
    assert {tuple(row) for row in rows} == {(project_id, harness.VILLAGE)}
    audited = await harness.sql("SELECT count(*) FROM audit_log")
    assert audited == [(4,)]


async def test_a_retried_step_answers_the_first_response(harness: Harness) -> None:
    project_id = await harness.proposed()
    first = await harness.step(project_id, "township_review", harness.township(), key="review-1")
    again = await harness.step(project_id, "township_review", harness.township(), key="review-1")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    other_body = await harness.step(
        project_id, "township_review", harness.township(), {"notes": "另一份意见"}, key="review-1"
    )
    assert other_body.status_code == 422
    history = await harness.sql(
        "SELECT count(*) FROM project_history WHERE project_id = CAST(:p AS uuid)", p=project_id
    )
    assert history == [(2,)]


async def test_a_retried_proposal_creates_one_project(harness: Harness) -> None:
    headers = {**harness.village(), "Idempotency-Key": "propose-1"}
    body = harness.project_body()
    first = await harness.client.post("/projects", json=body, headers=headers)
    again = await harness.client.post("/projects", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert await harness.sql("SELECT count(*) FROM projects") == [(1,)]


async def test_concurrent_identical_approvals_take_effect_once(harness: Harness) -> None:
    project_id = await harness.proposed()
    await harness.step(project_id, "township_review", harness.township())
    answers = await asyncio.gather(*(harness.step(project_id, "county_approve") for _ in range(CONCURRENT)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [409] * (CONCURRENT - 1), [a.text for a in answers]
    assert {answer.json()["code"] for answer in answers if answer.status_code == 409} == {"out-of-order"}
    approvals = await harness.sql("SELECT count(*) FROM project_history WHERE action = 'county_approve'")
    assert approvals == [(1,)]
    events = [event_type for event_type, _ in await harness.outbox()]
    assert events.count("fupin.funds.project.approved.v1") == 1


async def test_concurrent_approvals_with_one_key_all_answer_the_effect(harness: Harness) -> None:
    project_id = await harness.proposed()
    await harness.step(project_id, "township_review", harness.township())
    answers = await asyncio.gather(
        *(harness.step(project_id, "county_approve", key="approve-1") for _ in range(CONCURRENT))
    )
    assert [answer.status_code for answer in answers] == [200] * CONCURRENT, [a.text for a in answers]
    assert all(answer.json() == answers[0].json() for answer in answers)
    approvals = await harness.sql("SELECT count(*) FROM project_history WHERE action = 'county_approve'")
    assert approvals == [(1,)]
