"""A list's decision takes one spot-check finding per sampled case. Two findings for the same case (one
passed, one failed) were both accepted and one of them, whichever PostgreSQL applied, was kept: a failed
check could vanish without a trace and the case move on as if it had passed (QA9 scale S-1). Now 422
duplicate-finding, and nothing moves."""

from __future__ import annotations

import uuid
from typing import Any

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"


async def test_a_case_named_twice_in_the_findings_is_refused_and_nothing_moves(harness: Harness) -> None:
    year = await harness.year()
    await harness.quotas(year, 10)
    household = await harness.household(income=None)
    await harness.income(household, year, "3000")
    case = await harness.apply(household)
    await harness.sql("UPDATE cases SET state = 'second_noticed' WHERE id = :i", i=uuid.UUID(case))
    drawn = await harness.client.post(
        "/batches", json={"action": "county_approve", "division": VILLAGE}, headers=harness.county()
    )
    assert drawn.status_code == 201, drawn.text
    batch = drawn.json()
    assert batch["sample"] == [case]  # one case: it is sampled
    findings = [
        {"case_id": case, "passed": True},
        {"case_id": case, "passed": False, "note": "抽查不符: 家有小轿车"},
    ]
    refused = await harness.client.post(
        f"/batches/{batch['id']}/decide", json={"findings": findings}, headers=harness.county()
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "duplicate-finding"
    assert case in refused.json()["detail"]
    assert await harness.state(case) == "second_noticed"
    one = await harness.client.post(
        f"/batches/{batch['id']}/decide", json={"findings": findings[1:]}, headers=harness.county()
    )
    assert one.status_code == 200, one.text
    assert (
        await harness.state(case) == "second_noticed"
    )  # the failed check holds it for an individual decision
