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
