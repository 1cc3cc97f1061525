"""A county's list-wide approval applies what a case-by-case approval applies: the identification income
test (cases.income_test) and a quota of people. Before, the batch path approved a household far above the
poverty line (the income test ran only case by case: QA7 domain-conformance F1), and counted one place per
case whatever the household's size (F2)."""

from __future__ import annotations

import uuid
from typing import Any

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"


async def _at_second_noticed(harness: Harness, members: int = 1, income: str | None = "2500") -> str:
    case = await harness.apply(await harness.household(members=members, income=income))
    await harness.sql("UPDATE cases SET state = 'second_noticed' WHERE id = :i", i=uuid.UUID(case))
    return str(case)


async def _decide_all(harness: Harness) -> Any:
    drawn = await harness.client.post(
        "/batches", json={"action": "county_approve", "division": VILLAGE}, headers=harness.county()
    )
    assert drawn.status_code == 201, drawn.text
    batch = drawn.json()
    findings = [{"case_id": case, "passed": True} for case in batch["sample"]]
    return await harness.client.post(
        f"/batches/{batch['id']}/decide", json={"findings": findings}, headers=harness.county()
    )


async def test_a_list_approval_leaves_a_household_the_income_test_refuses(harness: Harness) -> None:
    await harness.quotas(await harness.year(), 10)
    poor = [await _at_second_noticed(harness) for _ in range(3)]
    rich = await _at_second_noticed(harness, income="50000")
    unknown = await _at_second_noticed(harness, income=None)
    decided = await _decide_all(harness)
    assert decided.status_code == 200, decided.text
    # An income not recorded is nothing to judge (cases.income_test): approved with the rest.
    assert decided.json()["decided"] == 4
    skipped = {item["case_id"]: item["reason"] for item in decided.json()["skipped"]}
    assert set(skipped) == {rich}, skipped
    assert skipped[rich].startswith("the identification income test")
    for case in [*poor, unknown]:
        assert await harness.state(case) == "county_approved"
    assert await harness.state(rich) == "second_noticed"
    # Case by case, the county sees the figures and the line.
    single = await harness.act(rich, "county_approve", harness.county(), {"passed": True, "note": "核实"})
    assert single.status_code == 422, single.text
    assert "above the poverty line" in str(single.json().get("failed")), single.text


async def test_a_list_approval_counts_the_people_it_adds_against_the_quota(harness: Harness) -> None:
    await harness.quotas(await harness.year(), 5)
    [await _at_second_noticed(harness, members=3) for _ in range(2)]
    refused = await _decide_all(harness)
    assert refused.status_code == 409 and refused.json()["code"] == "quota-exceeded", refused.text
    assert "people" in refused.json()["detail"], refused.text


async def test_a_list_decision_s_events_carry_the_deciding_request_s_id(harness: Harness) -> None:
    """Events of a list decision are written by one set-based statement, not by new_event: they carry the
    deciding request's id as correlationid, as a step decided on its own does (QA7 arch-contracts AC-2)."""
    await harness.quotas(await harness.year(), 10)
    cases = [await _at_second_noticed(harness) for _ in range(2)]
    drawn = await harness.client.post(
        "/batches", json={"action": "county_approve", "division": VILLAGE}, headers=harness.county()
    )
    batch = drawn.json()
    findings = [{"case_id": case, "passed": True} for case in batch["sample"]]
    decided = await harness.client.post(
        f"/batches/{batch['id']}/decide",
        json={"findings": findings},
        headers={**harness.county(), "X-Request-Id": "qa7-batch-decision-1"},
    )
    assert decided.status_code == 200, decided.text
    rows = await harness.sql(
        "SELECT payload->>'correlationid' FROM outbox WHERE type = 'fupin.identification.case.approved.v1'"
    )
    assert [row[0] for row in rows] == ["qa7-batch-decision-1"] * len(cases), rows
