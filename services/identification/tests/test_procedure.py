"""The procedure over HTTP on real PostgreSQL (the real app in-process, a fresh database per test, the
test clock on, the background timer off): guards, notices on the test clock, objections, batches,
quotas, comparison hits, idempotency and jurisdiction."""

from __future__ import annotations

import itertools
import os
import uuid
from typing import Any

import pytest

os.environ["FUPIN_TEST_CLOCK"] = "1"
os.environ["FUPIN_NOTICE_TICK_S"] = "0"

from fupin_kit.audit.verify import verify_chain
from identification import workflow
from identification.batches import sampling
from identification.cases.schemas import ApiAction

# The procedure's dates are today in China: no step is dated before its case was opened.

VILLAGE = "520102016001"
SIBLING = "520102016002"
TOWNSHIP = "520102016000"
COUSIN = "520102017001"
COUNTY = "520102000000"
OTHER_COUNTY = "520103000000"
OTHER_COUNTY_VILLAGE = "520103019001"
CITY = "520100000000"
PROVINCE = "520000000000"
_serial = itertools.count(1)


# The `harness` fixture and its Harness class come from conftest.py (test modules cannot import it under
# importlib mode); `ident` is this module's name for it.
Ident = Any


@pytest.fixture
def ident(harness: Ident) -> Ident:
    return harness


DAY = 86400


async def _state(ident: Ident, case_id: str) -> str:
    response = await ident.client.get(f"/cases/{case_id}", headers=ident.village())
    return str(response.json()["state"])


async def test_out_of_order_actions_are_409(ident: Ident) -> None:
    household = await ident.household()
    case = await ident.apply(household)
    for state in workflow.KIND_STATES[workflow.Kind.IDENTIFICATION]:
        await ident.sql("UPDATE cases SET state = :s WHERE id = :i", s=state.value, i=uuid.UUID(case))
        allowed = set(workflow.allowed_actions(state))
        for api_action in ApiAction:
            action = workflow.Action(api_action.value)
            if action in allowed:
                continue
            step = next(t for (s, a), t in workflow.TRANSITIONS.items() if a is action)
            tier = step.tiers[0]
            division = {"village": VILLAGE, "township": TOWNSHIP, "county": COUNTY}[tier]
            response = await ident.act(case, api_action.value, ident.auth(tier, division, step.roles[0]))
            assert response.status_code == 409, (state, action, response.text)


async def test_wrong_tier_or_role_is_403(ident: Ident) -> None:
    case = await ident.apply(await ident.household())
    assert (await ident.act(case, "verify", ident.township(), {"s": 1})).status_code == 403
    viewer = ident.auth("village", VILLAGE, "viewer")
    assert (await ident.act(case, "verify", viewer, {"s": 1})).status_code == 403
    notice = await ident.client.post(
        "/notices", json={"division": VILLAGE, "kind": "first"}, headers=ident.village()
    )
    assert notice.status_code == 403


async def test_notice_closes_only_when_clock_passes_and_no_ticket(ident: Ident) -> None:
    (case_id,), notice_id = await ident.to_first_notice(name="张三")
    assert (await ident.client.post("/notices/tick", headers=ident.township())).json()["closed"] == []
    objection = await ident.client.post(
        f"/public/notices/{notice_id}/objections", json={"case_id": case_id, "text": "他家有车"}
    )
    assert objection.status_code == 201, objection.text
    await ident.advance_clock(7 * DAY + 60)
    assert (await ident.client.post("/notices/tick", headers=ident.township())).json()["closed"] == []
    assert await _state(ident, case_id) == "first_notice"
    late = await ident.client.post(
        f"/public/notices/{notice_id}/objections", json={"case_id": case_id, "text": "晚了"}
    )
    assert late.status_code == 409
    resolved = await ident.client.post(
        f"/objections/{objection.json()['id']}/resolve",
        json={"outcome": "dismissed", "reason": "核实无车"},
        headers=ident.township(),
    )
    assert resolved.status_code == 200, resolved.text
    assert (await ident.client.post("/notices/tick", headers=ident.township())).json()["closed"] == [
        notice_id
    ]
    assert await _state(ident, case_id) == "first_noticed"
    board = await ident.client.get("/public/notices", params={"division": TOWNSHIP})
    assert board.status_code == 200 and board.json()[0]["entries"][0]["head_name"] == "张*"


async def test_upheld_objection_returns_case_to_verification(ident: Ident) -> None:
    (case_id,), notice_id = await ident.to_first_notice()
    objection = await ident.client.post(
        f"/public/notices/{notice_id}/objections", json={"case_id": case_id, "text": "情况不实"}
    )
    await ident.client.post(
        f"/objections/{objection.json()['id']}/resolve",
        json={"outcome": "upheld", "reason": "属实"},
        headers=ident.township(),
    )
    assert await _state(ident, case_id) == "applied"


async def test_quota_cannot_be_exceeded(ident: Ident) -> None:
    await ident.quotas(await ident.year(), 1)
    first = await ident.apply(await ident.household())
    second = await ident.apply(await ident.household())
    for case in (first, second):
        await ident.act(case, "verify", ident.village(), {"survey": "ok"})
    assert (await ident.act(first, "village_review", ident.village(), await ident.vote())).status_code == 200
    refused = await ident.act(second, "village_review", ident.village(), await ident.vote())
    assert refused.status_code == 409 and refused.json()["code"] == "quota-exceeded"


async def test_batch_township_review_and_reproducible_sample(ident: Ident) -> None:
    case_ids, _notice = await ident.to_first_notice(households=6)
    await ident.advance_clock(8 * DAY)
    await ident.client.post("/notices/tick", headers=ident.township())
    drawn = await ident.client.post(
        "/batches", json={"action": "township_review", "division": VILLAGE}, headers=ident.township()
    )
    assert drawn.status_code == 201, drawn.text
    batch = drawn.json()
    assert batch["case_count"] == 6 and batch["sample_count"] == 2
    expected = sampling.draw(batch["seed"], [uuid.UUID(c) for c in case_ids], 2)
    assert sorted(map(str, expected)) == sorted(batch["sample"])
    missing = await ident.client.post(
        f"/batches/{batch['id']}/decide", json={"findings": []}, headers=ident.township()
    )
    assert missing.status_code == 422
    findings = [{"case_id": c, "passed": True} for c in batch["sample"]]
    decided = await ident.client.post(
        f"/batches/{batch['id']}/decide", json={"findings": findings}, headers=ident.township()
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["decided"] == 6
    for case_id in case_ids:
        assert await _state(ident, case_id) == "township_reviewed"
    rows = await ident.sql(
        "SELECT count(*) FROM outbox WHERE type = 'fupin.identification.case.township_reviewed.v1'"
    )
    assert rows[0][0] == 6

    # The audit chain (architecture.md §6): every event written one by one has its entry, and the
    # list-wide decision, whose events one statement writes, is one entry for the batch.
    audited = await ident.sql("SELECT actor, action, subject, detail FROM audit_log ORDER BY seq")
    singly = await ident.sql(
        "SELECT id::text FROM outbox WHERE type <> 'fupin.identification.case.township_reviewed.v1' ORDER BY seq"
    )
    by_event = [entry for entry in audited if "event_id" in entry.detail]
    assert [entry.detail["event_id"] for entry in by_event] == [row[0] for row in singly]
    assert {entry.action for entry in by_event} == {
        "case.opened",
        "case.verified",
        "case.village_reviewed",
        "case.noticed",
        "case.notice_closed",
    }
    batches = [entry for entry in audited if entry.action.startswith("batch.")]
    assert [(entry.action, entry.subject) for entry in batches] == [
        ("batch.drawn", f"batch/{batch['id']}"),
        ("batch.decided", f"batch/{batch['id']}"),
    ]
    assert batches[1].detail == {"action": "township_review", "moved": 6}
    assert all(entry.actor == batches[0].actor for entry in batches)
    async with ident.app.state.sessionmaker() as session:
        assert (await verify_chain(session)).ok


async def test_comparison_hit_blocks_until_resolved(ident: Ident) -> None:
    rid = ident.resident_id()
    await ident.quotas(await ident.year(), 10)
    case = await ident.apply(await ident.household(ids=[rid]))
    await ident.sql("UPDATE cases SET state = 'township_reviewed' WHERE id = :i", i=uuid.UUID(case))
    client = ident.auth("county", "520102000000", "department", kind="client")
    pushed = await ident.client.post(
        "/comparisons/pushes",
        json={"kind": "private_vehicle", "department": "公安交管", "entries": [{"resident_id": rid}]},
        headers=client,
    )
    assert pushed.status_code == 201, pushed.text
    assert pushed.json()["hits"] == 1
    blocked = await ident.act(case, "complete_comparison", ident.county())
    assert blocked.status_code == 409 and blocked.json()["code"] == "blocked"
    hit = (await ident.client.get("/comparisons/hits", headers=ident.county())).json()[0]
    assert hit["effect"] == "block"
    stored = await ident.sql("SELECT count(*) FROM comparison_entries WHERE detail LIKE :r", r=f"%{rid}%")
    assert stored[0][0] == 0
    await ident.client.post(
        f"/comparisons/hits/{hit['id']}/resolve",
        json={"outcome": "cleared", "reason": "车已转让"},
        headers=ident.county(),
    )
    assert (await ident.act(case, "complete_comparison", ident.county())).status_code == 200


async def test_idempotency_key(ident: Ident) -> None:
    household = await ident.household()
    year = await ident.year()
    body = {
        "household_id": str(household),
        "year": year,
        "authorisation": await ident.authorisation(signed_by="张三"),
    }
    headers = {**ident.village(), "Idempotency-Key": "k-1"}
    first = await ident.client.post("/cases", json=body, headers=headers)
    again = await ident.client.post("/cases", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = await ident.client.post("/cases", json={**body, "year": year + 1}, headers=headers)
    assert other.status_code == 422
    assert (await ident.sql("SELECT count(*) FROM cases"))[0][0] == 1


async def test_out_of_jurisdiction_is_404(ident: Ident) -> None:
    case = await ident.apply(await ident.household())
    outsiders = [
        ident.auth("village", SIBLING, "cadre"),
        ident.auth("township", "520102017000", "officer"),
        ident.auth("village", COUSIN, "cadre"),
        ident.auth("county", "520103000000", "officer"),
        ident.auth("village", OTHER_COUNTY_VILLAGE, "cadre"),
    ]
    routes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/cases/{case}", None),
        ("GET", f"/cases/{case}/history", None),
        ("GET", f"/cases/{case}/category-suggestion", None),
        ("POST", f"/cases/{case}/actions/verify", {"finding": {"s": 1}}),
        ("POST", f"/cases/{case}/actions/reject", {"finding": {}}),
        ("POST", f"/cases/{case}/category", {"categories": ["industry"], "reason": "ok"}),
    ]
    for headers in outsiders:
        for method, path, body in routes:
            response = await ident.client.request(method, path, json=body, headers=headers)
            assert response.status_code == 404, (headers, path, response.text)
    notices = await ident.client.post(
        "/notices", json={"division": VILLAGE, "kind": "first"}, headers=outsiders[1]
    )
    assert notices.status_code == 404
