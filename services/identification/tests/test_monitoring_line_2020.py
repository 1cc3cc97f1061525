"""Monitoring began in 2020 (domain.md §4): a 2020 warning is checked against the nation's 2020 monitoring
line, 1.5× that year's poverty line (6,000). Before, the seeded monitoring lines began in 2021, and a 2020
warning was refused with "no monitoring line standard in force for 2020" (QA7 domain-conformance F4)."""

from __future__ import annotations

from typing import Any

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any


async def _warn(harness: Harness, household: Any, year: int) -> Any:
    return await harness.client.post(
        "/monitoring",
        json={
            "household_id": str(household),
            "year": year,
            "monitored_type": "marginal",
            "discovery": "cadre_visit",
        },
        headers=harness.village(),
    )


async def test_a_2020_warning_is_checked_against_the_2020_monitoring_line(harness: Harness) -> None:
    below = await harness.household()
    await harness.income(below, 2020, "5000")
    opened = await _warn(harness, below, 2020)
    assert opened.status_code == 201, opened.text
    [row] = (
        await harness.client.get(f"/cases/{opened.json()['id']}/history", headers=harness.county())
    ).json()
    assert row["detail"]["monitoring_line"] == "6000", row
    assert row["detail"]["monitoring_standard"]["region"] == "000000000000", row

    above = await harness.household()
    await harness.income(above, 2020, "6500")
    refused = await _warn(harness, above, 2020)
    assert refused.status_code == 422, refused.text
    assert "above the monitoring line 6000" in str(refused.json()["failed"]), refused.text
