"""Findings of the second identification acceptance pass (identification-2, 2026-11-27), on real
PostgreSQL: region settings that took absurd numbers (a notice of 1e-30 days)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from identification import settings_rules

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
TOWNSHIP = "520102016000"
COUNTY = "520102000000"


# ---- §2: numeric region settings take sane numbers only --------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("notice_days", "1e-30"),
        ("notice_days", "0.00000001"),
        ("notice_days", "1E1"),
        ("notice_days", "Infinity"),
        ("notice_days", "61"),
        ("exit_notice_days", "1e-30"),
        ("exit_notice_days", "0"),
        ("objection_sla_days", "1e-30"),
        ("objection_sla_days", "0.5"),
        ("objection_sla_days", "inf"),
        ("objection_sla_days", "0"),
        ("township_spot_check_rate", "2E-1"),
        ("township_spot_check_rate", "0.200000000001"),
        ("county_spot_check_rate", "-0.5"),
        ("county_spot_check_rate", "NaN"),
        ("threshold.medical_self_paid", "1e-30"),
        ("threshold.medical_self_paid", "0.001"),
        ("threshold.education_fees", "-Infinity"),
        ("threshold.education_fees", "1_000"),
        ("risk_clearance_months", "6.5"),
        ("risk_clearance_months", "6e0"),
        ("rural_population", "1e3"),
        ("rural_population", "0"),
        ("rural_population", "１２００"),
        ("rural_population", "+1200"),
    ],
)
async def test_numeric_region_settings_refuse_absurd_values(harness: Harness, key: str, value: str) -> None:
    response = await harness.client.put(
        f"/region-settings/{COUNTY}/{key}", json={"value": value}, headers=harness.county()
    )
    assert response.status_code == 422, (key, value, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "invalid-setting" and problem["key"] == key
    assert key in problem["detail"]
    rows = await harness.sql("SELECT count(*) FROM region_settings WHERE division = :d", d=COUNTY)
    assert rows[0][0] == 0


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("notice_days", "1"),
        ("notice_days", "7"),
        ("notice_days", "60"),
        ("exit_notice_days", "7"),
        ("objection_sla_days", "10"),
        ("township_spot_check_rate", "0.25"),
        ("county_spot_check_rate", "1"),
        ("threshold.medical_self_paid", "6500.50"),
        ("risk_clearance_months", "12"),
        ("rural_population", "1200"),
    ],
)
async def test_numeric_region_settings_accept_plausible_values(
    harness: Harness, key: str, value: str
) -> None:
    response = await harness.client.put(
        f"/region-settings/{COUNTY}/{key}", json={"value": value}, headers=harness.county()
    )
    assert response.status_code == 200, (key, value, response.text)


def test_a_notice_runs_whole_days_outside_the_test_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sub-day notices (the end-to-end tests and a demo whose notices last seconds) exist only with
    FUPIN_TEST_CLOCK=1, and even there never below a second."""
    monkeypatch.delenv("FUPIN_TEST_CLOCK", raising=False)
    assert settings_rules.parse("notice_days", "7") == 7
    for value in ("0.5", "0.002", "0.000231", "1e-30"):
        with pytest.raises(settings_rules.InvalidSetting, match="notice_days"):
            settings_rules.parse("notice_days", value)
    monkeypatch.setenv("FUPIN_TEST_CLOCK", "1")
    assert settings_rules.parse("notice_days", "0.000231") == settings_rules.Decimal("0.000231")
    for value in ("0.00000001", "1e-30"):
        with pytest.raises(settings_rules.InvalidSetting, match="notice_days"):
            settings_rules.parse("notice_days", value)


async def test_a_stored_absurd_notice_duration_is_not_used(harness: Harness) -> None:
    """A value written before the rules (1e-30 days) is skipped on reading: the notice runs the default."""
    await harness.sql(
        "INSERT INTO region_settings (division, key, value) VALUES (:d, 'notice_days', '1e-30')", d=COUNTY
    )
    _, notice_id = await harness.to_first_notice()
    rows = await harness.sql(
        "SELECT extract(epoch FROM ends_at - starts_at) FROM notices WHERE id = :i", i=uuid.UUID(notice_id)
    )
    assert float(rows[0][0]) == 7 * 86_400
