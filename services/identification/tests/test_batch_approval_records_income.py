"""A county's approval by list records on each case what an approval of the case on its own records: the
per-capita net income judged, its year, the poverty line and the standard it came from, or
`income_recorded: false` when neither year's income is recorded (README, identification row: "each case
records the standard it used"). Before, the list's history rows held only the batch, the sample mark and
the spot-check (QA9 tree-standards F1)."""

from __future__ import annotations

import uuid
from typing import Any

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
NATION = "000000000000"


async def _at_second_noticed(harness: Harness, income: str | None, year_offset: int = 0) -> str:
    """A household whose only income (if any) is `income` in the year `year_offset` from now, its case
    brought to the step before the county's approval."""
    household = await harness.household(income=None)
    if income is not None:
        await harness.income(household, await harness.year() + year_offset, income)
    case = await harness.apply(household)
    await harness.sql("UPDATE cases SET state = 'second_noticed' WHERE id = :i", i=uuid.UUID(case))
    return str(case)


async def _approved_by_list(harness: Harness) -> dict[str, Any]:
    drawn = await harness.client.post(
        "/batches", json={"action": "county_approve", "division": VILLAGE}, headers=harness.county()
    )
    assert drawn.status_code == 201, drawn.text
    batch = drawn.json()
    findings = [{"case_id": case, "passed": True} for case in batch["sample"]]
    decided = await harness.client.post(
        f"/batches/{batch['id']}/decide", json={"findings": findings}, headers=harness.county()
    )
    assert decided.status_code == 200, decided.text
    result: dict[str, Any] = decided.json()
    return result


async def _approval_detail(harness: Harness, case: str) -> dict[str, Any]:
    response = await harness.client.get(f"/cases/{case}/history", headers=harness.county())
    assert response.status_code == 200, response.text
    [row] = [row for row in response.json() if row["action"] == "county_approve"]
    detail: dict[str, Any] = row["detail"]
    return detail


async def test_a_list_approval_records_the_income_the_line_and_the_standard_of_each_case(
    harness: Harness,
) -> None:
    year = await harness.year()
    await harness.quotas(year, 10)
    this_year = await _at_second_noticed(harness, "3000")
    last_year = await _at_second_noticed(harness, "2500.5", year_offset=-1)
    unknown = await _at_second_noticed(harness, None)
    decided = await _approved_by_list(harness)
    assert decided["decided"] == 3, decided
    for case, income, income_year in ((this_year, "3000.00", year), (last_year, "2500.50", year - 1)):
        detail = await _approval_detail(harness, case)
        assert detail["batch_id"] == decided["id"]  # what the list's rows recorded before stays
        assert (detail["per_capita_net_income"], detail["income_year"], detail["poverty_line"]) == (
            income,
            income_year,
            "4000",
        ), detail
        standard = detail["poverty_standard"]
        assert (standard["kind"], standard["region"], standard["amount"]) == ("poverty_line", NATION, "4000")
        assert set(standard) == {"kind", "id", "region", "year", "amount", "carried_forward", "set_by"}
        assert "income_recorded" not in detail
    detail = await _approval_detail(harness, unknown)
    assert detail["income_recorded"] is False, detail
    assert detail["income_years"] == [year - 1, year]
    assert "poverty_standard" not in detail
