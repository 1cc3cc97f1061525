"""Spot-check draws and their findings, on real PostgreSQL through the real app: a failed check is published
as an event of its own (every finding on a case is), and a draw nobody decides can be withdrawn by the
deciding tier, with its reason on the batch and on the cases' history."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from fupin_contracts import identification as contracts

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
TOWNSHIP = "520102016000"


async def _case_at(harness: Harness, state: str) -> str:
    await harness.quotas(await harness.year(), 50)
    case = await harness.apply(await harness.household(ids=[harness.resident_id()]))
    await harness.sql("UPDATE cases SET state = :s WHERE id = :i", s=state, i=uuid.UUID(case))
    return str(case)


async def _draw(harness: Harness, division: str = VILLAGE) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        "/batches", json={"action": "township_review", "division": division}, headers=harness.township()
    )
    return response


async def _history(harness: Harness, case: str) -> list[dict[str, Any]]:
    response = await harness.client.get(f"/cases/{case}/history", headers=harness.county())
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


# ---- a failed spot-check has its own event ---------------------------------------------------------------


async def test_a_failed_spot_check_is_published_as_its_own_event(harness: Harness) -> None:
    cases = [await _case_at(harness, "first_noticed") for _ in range(10)]
    batch = (await _draw(harness)).json()
    failed, passed = batch["sample"]
    findings = [
        {"case_id": failed, "passed": False, "note": "抽查发现收入不实"},
        {"case_id": passed, "passed": True},
    ]
    decided = await harness.client.post(
        f"/batches/{batch['id']}/decide", json={"findings": findings}, headers=harness.township()
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["decided"] == len(cases) - 1

    rows = await harness.sql(
        "SELECT payload, aggregateid, division FROM outbox WHERE type = :t", t=contracts.SPOT_CHECK_FAILED
    )
    assert len(rows) == 1, rows  # the failed case only: a passed check moves the case, with its own event
    envelope, aggregate_id, division = rows[0]
    assert (aggregate_id, division) == (failed, VILLAGE)
    assert envelope["subject"] == f"case/{failed}" and envelope["actortier"] == "township"
    data = contracts.SpotCheckFailedV1.model_validate(envelope["data"])
    assert data.case_id == uuid.UUID(failed) and data.batch_id == uuid.UUID(batch["id"])
    assert (data.kind, data.state, data.division) == ("identification", "first_noticed", VILLAGE)
    assert (data.step, data.note) == ("township_review", "抽查发现收入不实")
    assert await harness.state(failed) == "first_noticed"
    # The case's other events are unchanged: the rest of the list moved, each with its transition event.
    types = await harness.outbox_types()
    assert types.count("fupin.identification.case.township_reviewed.v1") == len(cases) - 1


# ---- a draw nobody decides is withdrawn --------------------------------------------------------------------


async def test_a_stale_draw_is_withdrawn_with_a_reason_and_the_list_drawn_again(harness: Harness) -> None:
    cases = [await _case_at(harness, "first_noticed") for _ in range(5)]
    batch = (await _draw(harness)).json()
    [sampled] = batch["sample"]
    blocked = await _draw(harness)
    assert blocked.status_code == 409 and blocked.json()["code"] == "batch-open", blocked.text
    path = f"/batches/{batch['id']}/withdraw"
    reason = {"reason": "抽查对象外出务工，无法入户核查"}

    # Only the tier and roles of the step (those that drew it), in its jurisdiction, with a reason.
    for unreasoned in ({"reason": " \u3000"}, {}, {"reason": None}):
        blank = await harness.client.post(path, json=unreasoned, headers=harness.township())
        # Coded as a case's rejection or withdrawal without its reason is (QA9-S2).
        assert blank.status_code == 422 and blank.json()["code"] == "reason-required", blank.text
    short = await harness.client.post(path, json={"reason": "x"}, headers=harness.township())
    assert short.status_code == 422, short.text  # a reason still says something: two characters at least
    for headers in (harness.village(), harness.county(), harness.auth("township", TOWNSHIP, "viewer")):
        refused = await harness.client.post(path, json=reason, headers=headers)
        assert refused.status_code == 403, refused.text
    outsider = harness.auth("township", "520102017000", "officer")
    assert (await harness.client.post(path, json=reason, headers=outsider)).status_code == 404

    withdrawn = await harness.client.post(path, json=reason, headers=harness.township())
    assert withdrawn.status_code == 200, withdrawn.text
    body = withdrawn.json()
    assert body["status"] == "withdrawn" and body["withdrawal_reason"] == reason["reason"]
    assert body["withdrawn_by"] and body["withdrawn_at"] and body["sample"] == [sampled]
    # No case moves; the sampled case's history says its check was abandoned, and why.
    assert [await harness.state(case) for case in cases] == ["first_noticed"] * 5
    last = (await _history(harness, sampled))[-1]
    assert last["action"] == "batch_withdrawn" and last["batch_id"] == batch["id"]
    assert last["detail"]["reason"] == reason["reason"] and last["detail"]["step"] == "township_review"
    for case in set(cases) - {sampled}:
        assert "batch_withdrawn" not in [row["action"] for row in await _history(harness, case)]

    # It is over: neither decided nor withdrawn again, still on record, and the list may be drawn again.
    findings = {"findings": [{"case_id": sampled, "passed": True}]}
    late = await harness.client.post(
        f"/batches/{batch['id']}/decide", json=findings, headers=harness.township()
    )
    assert late.status_code == 409 and late.json()["code"] == "withdrawn", late.text
    again = await harness.client.post(path, json=reason, headers=harness.township())
    assert again.status_code == 409 and again.json()["code"] == "withdrawn", again.text
    listed = await harness.client.get("/batches", params={"status": "withdrawn"}, headers=harness.county())
    assert [(b["id"], b["withdrawal_reason"]) for b in listed.json()] == [(batch["id"], reason["reason"])]
    redrawn = await _draw(harness)
    assert redrawn.status_code == 201, redrawn.text
    assert redrawn.json()["case_count"] == 5


async def test_a_decided_batch_cannot_be_withdrawn(harness: Harness) -> None:
    for _ in range(5):
        await _case_at(harness, "first_noticed")
    batch = (await _draw(harness)).json()
    findings = {"findings": [{"case_id": case, "passed": True} for case in batch["sample"]]}
    decided = await harness.client.post(
        f"/batches/{batch['id']}/decide", json=findings, headers=harness.township()
    )
    assert decided.status_code == 200, decided.text
    withdrawn = await harness.client.post(
        f"/batches/{batch['id']}/withdraw", json={"reason": "重新抽取"}, headers=harness.township()
    )
    assert withdrawn.status_code == 409 and withdrawn.json()["code"] == "decided", withdrawn.text
    read = (await harness.client.get(f"/batches/{batch['id']}", headers=harness.township())).json()
    assert read["status"] == "decided" and read["withdrawal_reason"] is None
