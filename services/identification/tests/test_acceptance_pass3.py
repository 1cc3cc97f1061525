"""Findings of the second identification acceptance pass (identification-2, 2026-11-27), on real
PostgreSQL: region settings that took absurd numbers (a notice of 1e-30 days)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from identification import settings_rules

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
TOWNSHIP = "520102016000"
COUNTY = "520102000000"
# The village assembly of an exit proposal (its date is the service's day, given where it is sent).


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
    FUPIN_TEST_CLOCK=1 or FUPIN_SHORT_NOTICES=1 (what `fupin up` sets), and even there never below a
    second."""
    monkeypatch.delenv("FUPIN_TEST_CLOCK", raising=False)
    monkeypatch.delenv("FUPIN_SHORT_NOTICES", raising=False)
    assert settings_rules.parse("notice_days", "7") == 7
    for value in ("0.5", "0.002", "0.000231", "1e-30"):
        with pytest.raises(settings_rules.InvalidSetting, match="notice_days"):
            settings_rules.parse("notice_days", value)
    for flag in ("FUPIN_TEST_CLOCK", "FUPIN_SHORT_NOTICES"):
        monkeypatch.setenv(flag, "1")
        assert settings_rules.parse("notice_days", "0.000231") == Decimal("0.000231")
        for value in ("0.00000001", "1e-30"):
            with pytest.raises(settings_rules.InvalidSetting, match="notice_days"):
                settings_rules.parse("notice_days", value)
        monkeypatch.delenv(flag)


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


# ---- §1: a consent step that says the household did not sign does not advance ---------------------------

ASSURANCES = dict.fromkeys(
    ("food", "clothing", "compulsory_education", "basic_medical", "safe_housing", "safe_water"), True
)


async def _consent_cases(harness: Harness) -> list[tuple[str, str, str]]:
    """(case, action, state it waits in): an exit at household_confirm and a monitoring case at authorise."""
    year = await harness.year()
    registered = await harness.household()
    await harness.sql(
        "UPDATE rm_households SET status = 'registered', registered_year = :y WHERE household_id = :h",
        y=year - 1,
        h=registered,
    )
    await harness.income(registered, year, "9000")
    exit_case = await harness.client.post(
        "/exits",
        json={
            "household_id": str(registered),
            "year": year,
            "assurances": ASSURANCES,
            "finding": await harness.vote(),
        },
        headers=harness.village(),
    )
    assert exit_case.status_code == 201, exit_case.text
    marginal = await harness.household()
    await harness.income(marginal, year, "5000")
    monitoring_case = await harness.client.post(
        "/monitoring",
        json={
            "household_id": str(marginal),
            "year": year,
            "monitored_type": "marginal",
            "discovery": "cadre_visit",
        },
        headers=harness.village(),
    )
    assert monitoring_case.status_code == 201, monitoring_case.text
    cases = [
        (str(exit_case.json()["id"]), "household_confirm", "exit_verified"),
        (str(monitoring_case.json()["id"]), "authorise", "monitor_visited"),
    ]
    for case, _, state in cases:
        await harness.sql("UPDATE cases SET state = :s WHERE id = :i", s=state, i=uuid.UUID(case))
    return cases


async def test_a_consent_step_refuses_a_finding_that_says_the_household_did_not_sign(
    harness: Harness,
) -> None:
    for case, action, state in await _consent_cases(harness):
        for finding in (
            {"signed": False, "signed_by": "户主", "signed_on": "2026-01-02"},
            {"signed": False},
            {"signed": "false", "signed_by": "户主"},
        ):
            refused = await harness.act(case, action, harness.village(), finding)
            assert refused.status_code == 422, (action, finding, refused.text)
            problem = refused.json()
            assert problem["code"] == "signature-required" and "signature is required" in problem["detail"]
            assert await harness.state(case) == state
        history = (await harness.client.get(f"/cases/{case}/history", headers=harness.county())).json()
        assert [row["action"] for row in history if row["action"] == action] == []
        # Signed, the step is taken.
        done = await harness.act(case, action, harness.village(), {"signed": True, "signed_by": "钱满仓"})
        assert done.status_code == 200, done.text


async def test_a_consent_step_without_a_signer_is_refused(harness: Harness) -> None:
    """QA5 identification-flow #2: an empty finding (or one without signed_by) was recorded as an unsigned
    step dated today; the household's consent needs its signer, as the application's authorisation does."""
    for case, action, state in await _consent_cases(harness):
        for finding in ({}, {"signed": True}, {"note": "户主口头同意"}, {"signed_by": "  "}):
            refused = await harness.client.post(
                f"/cases/{case}/actions/{action}",
                json={} if not finding else {"finding": finding},
                headers=harness.village(),
            )
            assert refused.status_code == 422, (action, finding, refused.text)
            problem = refused.json()
            assert problem["code"] == "signature-required", problem
            assert ["body", "finding", "signed_by"] in [error["loc"] for error in problem["errors"]], problem
            assert await harness.state(case) == state
        done = await harness.act(case, action, harness.village(), {"signed_by": "钱满仓"})
        assert done.status_code == 200, (action, done.text)
        history = (await harness.client.get(f"/cases/{case}/history", headers=harness.county())).json()
        assert history[-1]["detail"]["finding"]["signed"] is True
        assert history[-1]["detail"]["finding"]["signed_by"] == "钱满仓"


# ---- §3: the county indicator counts the poor of the villages whose population it sums -----------------


async def _poor(harness: Harness, division: str, households: int, members: int) -> None:
    for _ in range(households):
        household = await harness.household(division=division, members=members)
        await harness.sql(
            "UPDATE rm_households SET status = 'registered' WHERE household_id = :h", h=household
        )


async def test_county_incidence_counts_one_population_and_says_what_it_leaves_out(harness: Harness) -> None:
    other = "520102016002"
    await _poor(harness, VILLAGE, 5, 2)  # 10 poor people, in a village with a figure
    await _poor(harness, other, 3, 2)  # 6 poor people, in a village without one
    put = await harness.client.put(
        f"/region-settings/{VILLAGE}/rural_population", json={"value": "150"}, headers=harness.county()
    )
    assert put.status_code == 200, put.text
    county = (
        await harness.client.get(f"/exits/indicators?division={COUNTY}", headers=harness.county())
    ).json()
    assert county["poor_population"] == 16 and county["rural_population"] == 150
    # 10 / 150, not the whole county's 16 / 150 (10.67%).
    assert county["incidence_pct"] == 6.67 and county["incidence_poor_population"] == 10
    assert county["villages_with_figure"] == 1 and county["villages_without_figure"] == 1
    assert county["poor_households_without_figure"] == 3 and county["poor_population_without_figure"] == 6
    assert county["meets_threshold"] is None  # no verdict on a county half counted
    assert "1 villages with poor households have no figure (6 poor people left out)" in county["note"]
    # Once the other village has its figure, the whole county is counted and judged.
    await harness.client.put(
        f"/region-settings/{other}/rural_population", json={"value": "650"}, headers=harness.county()
    )
    whole = (
        await harness.client.get(f"/exits/indicators?division={COUNTY}", headers=harness.county())
    ).json()
    assert whole["incidence_pct"] == 2.0 and whole["incidence_poor_population"] == 16
    assert whole["villages_without_figure"] == 0 and whole["meets_threshold"] is True


# ---- §4: a department's hit and the county's resolution of it are on the case's history -----------------


async def _history(harness: Harness, case: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await harness.client.get(f"/cases/{case}/history", headers=harness.county())
    ).json()
    return rows


async def test_a_comparison_hit_and_its_resolution_are_written_to_the_case_history(harness: Harness) -> None:
    await harness.quotas(await harness.year(), 10)
    cleared_rid, confirmed_rid = harness.resident_id(), harness.resident_id()
    cleared_case = await harness.apply(await harness.household(ids=[cleared_rid]))
    confirmed_case = await harness.apply(await harness.household(ids=[confirmed_rid]))
    pushed = await harness.push("commercial_housing", cleared_rid, confirmed_rid)
    assert pushed["hits"] == 2
    for case in (cleared_case, confirmed_case):
        [hit] = await harness.hits(case)
        opened = [row for row in await _history(harness, case) if row["action"] == "comparison_hit"]
        assert len(opened) == 1, opened
        detail = opened[0]["detail"]
        assert detail["hit_id"] == hit["id"] and detail["kind"] == "commercial_housing"
        assert detail["effect"] == "block" and detail["department"] == "部门" and detail["reason"]
        assert opened[0]["from_state"] == opened[0]["to_state"] == "applied"
    [hit] = await harness.hits(cleared_case)
    assert (await harness.resolve_hit(hit["id"], "cleared", "商品房为子女购买，已分户")).status_code == 200
    last = (await _history(harness, cleared_case))[-1]
    assert last["action"] == "comparison_hit_cleared" and last["actor_tier"] == "county"
    assert last["detail"] == {
        "hit_id": hit["id"],
        "kind": "commercial_housing",
        "effect": "block",
        "outcome": "cleared",
        "reason": "商品房为子女购买，已分户",
    }
    assert await harness.state(cleared_case) == "applied"
    [hit] = await harness.hits(confirmed_case)
    assert (await harness.resolve_hit(hit["id"], "confirmed", "核实该户购有商品房")).status_code == 200
    actions = [row["action"] for row in await _history(harness, confirmed_case)]
    assert actions[-2:] == ["comparison_hit_confirmed", "reject"], actions
    assert await harness.state(confirmed_case) == "rejected"


async def test_a_comparison_hit_and_its_resolution_are_published(harness: Harness) -> None:
    await harness.quotas(await harness.year(), 10)
    rid = harness.resident_id()
    case = await harness.apply(await harness.household(ids=[rid]))
    listed = f"财政供养人员，工资卡 {rid} 登记"
    assert (await harness.push("government_payroll", rid, detail=listed))["hits"] == 1
    [hit] = await harness.hits(case)
    assert (await harness.resolve_hit(hit["id"], "cleared", f"同名同号误匹配 {rid}")).status_code == 200
    rows = await harness.sql(
        "SELECT type, payload FROM outbox WHERE type LIKE 'fupin.identification.comparison.%' ORDER BY seq"
    )
    assert [row[0] for row in rows] == [
        "fupin.identification.comparison.hit_opened.v1",
        "fupin.identification.comparison.hit_resolved.v1",
    ]
    opened, resolved = (row[1]["data"] for row in rows)
    assert opened["case_id"] == case and opened["hit_id"] == hit["id"] and opened["status"] == "open"
    assert opened["hit_kind"] == "government_payroll" and opened["effect"] == "block"
    assert opened["department"] == "部门" and opened["state"] == "applied"
    assert resolved["status"] == "cleared" and resolved["resolved_by"]
    assert rid not in resolved["resolution"] and resolved["resolution"].startswith("同名同号误匹配")
    # Whose entry and what the list said, on both events (the ID in the detail masked, as typed text is).
    for event in (opened, resolved):
        assert event["member_id"] == hit["member_id"]
        assert event["detail"].startswith("财政供养人员，工资卡 ") and rid not in event["detail"]
