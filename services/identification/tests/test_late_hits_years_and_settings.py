"""Rules a first QA pass found unguarded, on real PostgreSQL: comparison hits that arrive after the
comparison step, exit and application years, region settings (values and who writes them), disaster
pushes, monitored types, spot-check records and the batch's frozen list, structured 422s and empty
Idempotency-Keys."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest

from identification import settings_rules
from identification.batches import sampling

# The procedure's dates are today in China: no step is dated before its case was opened.

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
TOWNSHIP = "520102016000"
COUNTY = "520102000000"
ASSURANCES = dict.fromkeys(
    ("food", "clothing", "compulsory_education", "basic_medical", "safe_housing", "safe_water"), True
)
DAY = 86_400


async def _now_year(harness: Harness) -> int:
    return int((await harness.sql("SELECT extract(year FROM now())::int"))[0][0])


async def _case_at(harness: Harness, state: str, rid: str | None = None) -> str:
    await harness.quotas(await harness.year(), 10)
    case = await harness.apply(await harness.household(ids=[rid or harness.resident_id()]))
    await harness.sql("UPDATE cases SET state = :s WHERE id = :i", s=state, i=uuid.UUID(case))
    return str(case)


async def _hit(harness: Harness, case: str) -> str:
    hits = await harness.client.get("/comparisons/hits", params={"case_id": case}, headers=harness.county())
    return str(hits.json()[0]["id"])


async def _resolve(harness: Harness, case: str, outcome: str, reason: str) -> httpx.Response:
    """The county's resolution of the case's one comparison hit."""
    response: httpx.Response = await harness.resolve_hit(await _hit(harness, case), outcome, reason)
    return response


async def _household_with(harness: Harness, status: str, registered_year: int | None = None) -> uuid.UUID:
    household: uuid.UUID = await harness.household()
    await harness.sql(
        "UPDATE rm_households SET status = :s, registered_year = :y WHERE household_id = :h",
        s=status,
        y=registered_year,
        h=household,
    )
    return household


# ---- D1: a blocking hit after the comparison ------------------------------------------------------------


async def test_hit_after_comparison_blocks_county_approval_and_announcement(harness: Harness) -> None:
    rid = harness.resident_id()
    case = await _case_at(harness, "second_noticed", rid)
    assert (await harness.push("private_vehicle", rid))["hits"] == 1
    approve = await harness.act(case, "county_approve", harness.county())
    assert approve.status_code == 409 and approve.json()["code"] == "blocked", approve.text
    assert await harness.state(case) == "second_noticed"
    await harness.sql("UPDATE cases SET state = 'county_approved' WHERE id = :i", i=uuid.UUID(case))
    announce = await harness.act(case, "announce", harness.county())
    assert announce.status_code == 409 and announce.json()["code"] == "blocked", announce.text
    assert await harness.state(case) == "county_approved"
    cleared = await _resolve(harness, case, "cleared", "车辆已过户")
    assert cleared.status_code == 200, cleared.text
    assert (await harness.act(case, "announce", harness.county())).status_code == 200


async def test_batch_county_approval_skips_a_blocked_case_and_records_why(harness: Harness) -> None:
    blocked_rid = harness.resident_id()
    blocked = await _case_at(harness, "second_noticed", blocked_rid)
    others = [await _case_at(harness, "second_noticed") for _ in range(3)]
    drawn = await harness.client.post(
        "/batches", json={"action": "county_approve", "division": VILLAGE}, headers=harness.county()
    )
    assert drawn.status_code == 201, drawn.text
    batch = drawn.json()
    # The hit arrives between the draw and the decision.
    await harness.push("business_licence", blocked_rid)
    findings = [{"case_id": case, "passed": True} for case in batch["sample"]]
    decided = await harness.client.post(
        f"/batches/{batch['id']}/decide", json={"findings": findings}, headers=harness.county()
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["decided"] == 3
    assert [item["case_id"] for item in decided.json()["skipped"]] == [blocked]
    assert decided.json()["skipped"][0]["reason"].startswith("blocked")
    assert await harness.state(blocked) == "second_noticed"
    for case in others:
        assert await harness.state(case) == "county_approved"
    history = (await harness.client.get(f"/cases/{blocked}/history", headers=harness.county())).json()
    assert history[-1]["action"] == "batch_skipped" and history[-1]["batch_id"] == batch["id"]
    read = (await harness.client.get(f"/batches/{batch['id']}", headers=harness.county())).json()
    assert [item["case_id"] for item in read["skipped"]] == [blocked]


@pytest.mark.parametrize("state", ["announced", "registered"])
async def test_hit_confirmed_after_the_decision_flags_the_household_for_exit_review(
    harness: Harness, state: str
) -> None:
    rid = harness.resident_id()
    case = await _case_at(harness, "county_approved", rid)
    await harness.push("government_payroll", rid)
    await harness.sql("UPDATE cases SET state = :s WHERE id = :i", s=state, i=uuid.UUID(case))
    confirmed = await _resolve(harness, case, "confirmed", "财政供养人员")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    assert await harness.state(case) == state
    history = (await harness.client.get(f"/cases/{case}/history", headers=harness.county())).json()
    assert history[-1]["action"] == "exclusion_confirmed"
    assert history[-1]["detail"]["review"] == "exit_review"
    rows = await harness.sql(
        "SELECT payload->'data'->>'hit_kind' FROM outbox WHERE type = :t",
        t="fupin.identification.case.exclusion_confirmed.v1",
    )
    assert [row[0] for row in rows] == ["government_payroll"]


async def test_a_list_pushed_after_registration_flags_the_registered_household(harness: Harness) -> None:
    """动态管理: an exclusion list that arrives after the household was registered still finds it (on its
    registered case), and confirming the hit flags it for 清退 review; a warning list does not."""
    rid = harness.resident_id()
    case = await _case_at(harness, "registered", rid)
    await harness.sql("UPDATE cases SET active = false WHERE id = :i", i=uuid.UUID(case))
    await harness.sql(
        "UPDATE rm_households SET status = 'registered' WHERE household_id = "
        "(SELECT household_id FROM cases WHERE id = :i)",
        i=uuid.UUID(case),
    )
    assert (await harness.push("private_vehicle", rid))["hits"] == 1
    confirmed = await _resolve(harness, case, "confirmed", "家有小轿车")
    assert confirmed.status_code == 200, confirmed.text
    assert await harness.state(case) == "registered"
    rows = await harness.sql(
        "SELECT count(*) FROM outbox WHERE type = :t", t="fupin.identification.case.exclusion_confirmed.v1"
    )
    assert rows[0][0] == 1


async def test_hit_confirmed_before_the_decision_still_ends_the_case(harness: Harness) -> None:
    rid = harness.resident_id()
    case = await _case_at(harness, "second_noticed", rid)
    await harness.push("commercial_housing", rid)
    confirmed = await _resolve(harness, case, "confirmed", "购有商品房")
    assert confirmed.status_code == 200, confirmed.text
    assert await harness.state(case) == "rejected"


# ---- D2: exit and application years ---------------------------------------------------------------------


async def test_exit_year_must_follow_registration_and_not_be_in_the_future(harness: Harness) -> None:
    year = await _now_year(harness)
    household = await _household_with(harness, "registered", registered_year=year)
    await harness.income(household, year - 1, "9000")
    earlier = await harness.client.post(
        "/exits",
        json={
            "household_id": str(household),
            "year": year - 1,
            "assurances": ASSURANCES,
            "finding": await harness.vote(),
        },
        headers=harness.village(),
    )
    assert earlier.status_code == 422, earlier.text
    assert "later than the registration year" in str(earlier.json()["failed"])

    older = await _household_with(harness, "registered", registered_year=year - 3)
    await harness.income(older, year + 1, "9000")
    await harness.sql(
        "INSERT INTO region_settings (division, key, value) VALUES ('000000000000', :k, '4000') "
        "ON CONFLICT DO NOTHING",
        k=f"poverty_line.{year + 1}",
    )
    future = await harness.client.post(
        "/exits",
        json={
            "household_id": str(older),
            "year": year + 1,
            "assurances": ASSURANCES,
            "finding": await harness.vote(),
        },
        headers=harness.village(),
    )
    assert future.status_code == 422 and "in the future" in str(future.json()["failed"]), future.text
    assert (await harness.sql("SELECT count(*) FROM cases WHERE kind = 'exit'"))[0][0] == 0


async def test_application_year_is_this_or_next_year(harness: Harness) -> None:
    year = await _now_year(harness)
    household = await harness.household()
    body = {
        "household_id": str(household),
        "authorisation": await harness.authorisation(),
    }
    far = await harness.client.post("/cases", json={**body, "year": year + 2}, headers=harness.village())
    assert far.status_code == 422 and far.json()["code"] == "year", far.text
    assert (await harness.sql("SELECT count(*) FROM cases"))[0][0] == 0
    near = await harness.client.post("/cases", json={**body, "year": year + 1}, headers=harness.village())
    assert near.status_code == 201, near.text


# ---- D3 / D4: region settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("threshold.medical_self_paid", "abc"),
        ("threshold.education_fees", "0"),
        ("threshold.education_fees", "NaN"),
        ("notice_days", "-7"),
        ("notice_days", "0"),
        ("notice_days", "400"),
        ("objection_sla_days", "-1"),
        ("risk_clearance_months", "3"),
        ("county_spot_check_rate", "0.05"),
        ("rural_population", "12.5"),
        ("no_such_setting", "1"),
    ],
)
async def test_region_setting_values_are_validated(harness: Harness, key: str, value: str) -> None:
    response = await harness.client.put(
        f"/region-settings/{COUNTY}/{key}", json={"value": value}, headers=harness.county()
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid-setting"
    rows = await harness.sql("SELECT count(*) FROM region_settings WHERE division = :d", d=COUNTY)
    assert rows[0][0] == 0


async def test_valid_region_settings_are_accepted(harness: Harness) -> None:
    for key, value in (
        ("threshold.medical_self_paid", "6500.50"),
        ("notice_days", "0.002"),  # sub-day, with the test clock only (the demo, e2e)
        ("risk_clearance_months", "6"),
        ("rural_population", "1200"),
    ):
        response = await harness.client.put(
            f"/region-settings/{COUNTY}/{key}", json={"value": value}, headers=harness.county()
        )
        assert response.status_code == 200, (key, response.text)


async def test_region_settings_are_written_by_the_county_tier_and_above(harness: Harness) -> None:
    body = {"value": "3000"}
    path = f"/region-settings/{VILLAGE}/threshold.education_fees"
    village_officer = harness.auth("village", VILLAGE, "officer", "admin")
    assert (await harness.client.put(path, json=body, headers=village_officer)).status_code == 403
    township = harness.auth("township", TOWNSHIP, "officer", "admin")
    assert (await harness.client.put(path, json=body, headers=township)).status_code == 403
    assert (await harness.sql("SELECT count(*) FROM region_settings WHERE division = :d", d=VILLAGE))[0][
        0
    ] == 0
    assert (await harness.client.put(path, json=body, headers=harness.county())).status_code == 200
    city = harness.auth("city", "520100000000", "officer")
    assert (await harness.client.put(path, json=body, headers=city)).status_code == 200


async def test_a_stored_bad_line_falls_back_instead_of_500(harness: Harness) -> None:
    year = await _now_year(harness)
    await harness.sql(
        "INSERT INTO region_settings (division, key, value) VALUES (:d, :k, 'abc')",
        d=COUNTY,
        k=f"monitoring_line.{year}",
    )
    household = await harness.household()
    await harness.income(household, year, "5000")
    opened = await harness.client.post(
        "/monitoring",
        json={
            "household_id": str(household),
            "year": year,
            "monitored_type": "marginal",
            "discovery": "cadre_visit",
        },
        headers=harness.village(),
    )
    assert opened.status_code == 201, opened.text
    history = (
        await harness.client.get(f"/cases/{opened.json()['id']}/history", headers=harness.village())
    ).json()
    assert history[0]["detail"]["monitoring_line"] == "6000"  # the nation's line, the county's ignored


async def test_risk_clearance_never_before_six_months(harness: Harness) -> None:
    year = await _now_year(harness)
    # Written before the rules existed: a county asking for three months.
    await harness.sql(
        "INSERT INTO region_settings (division, key, value) VALUES (:d, 'risk_clearance_months', '3')",
        d=COUNTY,
    )
    household = await harness.household()
    await harness.income(household, year, "9000")
    case = await harness.apply(household)  # any case row; made a monitoring case below
    await harness.sql(
        "UPDATE cases SET kind = 'monitoring', state = 'monitored' WHERE id = :i", i=uuid.UUID(case)
    )
    await harness.sql(
        "INSERT INTO case_history (case_id, division, action, from_state, to_state, actor, actor_tier, at) "
        "VALUES (:i, :d, 'county_decide', 'monitor_township_reviewed', 'monitored', 'test', 'county', :at)",
        i=uuid.UUID(case),
        d=VILLAGE,
        at=dt.datetime.now(dt.UTC) - dt.timedelta(days=4 * 31),
    )
    early = await harness.act(case, "clear_risk", harness.county())
    assert early.status_code == 409 and early.json()["code"] == "too-early", early.text
    await harness.advance_clock(70 * DAY)
    assert (await harness.act(case, "clear_risk", harness.county())).status_code == 200


@pytest.mark.parametrize("key", ["poverty_line.2031", "monitoring_line.2031", "poverty_line.2020"])
async def test_the_lines_are_registry_standards_not_region_settings(harness: Harness, key: str) -> None:
    """The checks read the registry's standards: a line written here would be stored and never applied."""
    written = await harness.client.put(
        f"/region-settings/{COUNTY}/{key}", json={"value": "4100"}, headers=harness.county()
    )
    assert written.status_code == 422, written.text
    problem = written.json()
    assert problem["code"] == "invalid-setting" and problem["key"] == key
    assert "registry's standards" in problem["detail"]
    assert "POST /api/v1/registry/standards" in problem["detail"]
    stored = await harness.sql("SELECT count(*) FROM region_settings WHERE division = :d", d=COUNTY)
    assert stored[0][0] == 0


async def test_a_line_stored_as_a_region_setting_is_not_presented_as_in_force(harness: Harness) -> None:
    # The nation's rows seeded before the lines became the registry's standards stay in the table.
    seeded = await harness.sql(
        "SELECT value FROM region_settings WHERE division = '000000000000' AND key = 'poverty_line.2020'"
    )
    assert seeded == [("4000",)]
    read = await harness.client.get(f"/region-settings/{COUNTY}/poverty_line.2020", headers=harness.county())
    assert read.status_code == 422, read.text
    assert "POST /api/v1/registry/standards" in read.json()["detail"]
    # Every other key reads as before.
    other = await harness.client.get(f"/region-settings/{COUNTY}/notice_days", headers=harness.county())
    assert other.status_code == 200 and other.json()["key"] == "notice_days", other.text


def test_setting_rules_floor_risk_clearance_at_six_months() -> None:
    assert settings_rules.parse("risk_clearance_months", "6") == 6
    with pytest.raises(settings_rules.InvalidSetting):
        settings_rules.parse("risk_clearance_months", "5.9")


# ---- D5: a disaster list opens monitoring warnings ------------------------------------------------------


async def test_disaster_push_opens_a_monitoring_warning(harness: Harness) -> None:
    rid = harness.resident_id()
    household = await harness.household(ids=[rid])
    pushed = await harness.push("disaster", rid)
    assert pushed["warnings_opened"] == 1
    rows = await harness.sql(
        "SELECT state FROM cases WHERE household_id = :h AND kind = 'monitoring'", h=household
    )
    assert [row[0] for row in rows] == ["monitor_warned"]


async def test_a_household_registered_as_poor_gets_no_monitoring_warning(harness: Harness) -> None:
    """Monitoring is for households at risk of becoming or returning poor: a registered one is helped."""
    rid = harness.resident_id()
    household = await harness.household(ids=[rid])
    await harness.sql("UPDATE rm_households SET status = 'registered' WHERE household_id = :h", h=household)
    pushed = await harness.push("medical_self_paid", rid, amount="50000")
    assert pushed["warnings_opened"] == 0
    rows = await harness.sql("SELECT count(*) FROM cases WHERE household_id = :h", h=household)
    assert rows[0][0] == 0


# ---- D6: the monitored type fits the household ----------------------------------------------------------


async def _monitor(harness: Harness, household: uuid.UUID, monitored_type: str, headers: Any = None) -> Any:
    return await harness.client.post(
        "/monitoring",
        json={
            "household_id": str(household),
            "year": await _now_year(harness),
            "monitored_type": monitored_type,
            "discovery": "cadre_visit",
        },
        headers=headers or harness.village(),
    )


async def test_monitored_type_is_checked_against_the_household(harness: Harness) -> None:
    year = await _now_year(harness)
    never_exited = await harness.household()
    refused = await _monitor(harness, never_exited, "unstable_exited")
    assert refused.status_code == 422 and "must have exited" in str(refused.json()["failed"]), refused.text
    registered = await _household_with(harness, "registered", registered_year=year - 2)
    for monitored_type in ("marginal", "sudden_hardship", "unstable_exited"):
        response = await _monitor(harness, registered, monitored_type)
        assert response.status_code == 422, (monitored_type, response.text)
    exited = await _household_with(harness, "exited", registered_year=year - 3)
    assert (await _monitor(harness, exited, "marginal")).status_code == 422
    assert (await _monitor(harness, exited, "unstable_exited")).status_code == 201
    assert (await harness.sql("SELECT count(*) FROM cases WHERE kind = 'monitoring'"))[0][0] == 1


async def test_monitoring_permission_comes_before_eligibility(harness: Harness) -> None:
    year = await _now_year(harness)
    household = await harness.household()
    await harness.income(household, year, "9000")  # above the line: ineligible as marginal
    response = await _monitor(harness, household, "marginal", harness.township())
    assert response.status_code == 403, response.text


# ---- D7: spot-check records and the frozen list ---------------------------------------------------------


async def test_individual_township_review_records_its_spot_check(harness: Harness) -> None:
    case = await _case_at(harness, "first_noticed")
    check = {"passed": True, "note": "逐户核查：收入与登记一致"}
    reviewed = await harness.act(case, "township_review", harness.township(), check)
    assert reviewed.status_code == 200, reviewed.text
    history = (await harness.client.get(f"/cases/{case}/history", headers=harness.township())).json()
    spot_check = history[-1]["detail"]["spot_check"]
    assert (spot_check["individual"], spot_check["passed"], spot_check["note"]) == (True, True, check["note"])


async def test_batch_read_exposes_the_frozen_list_to_redraw_the_sample(harness: Harness) -> None:
    cases = sorted([await _case_at(harness, "first_noticed") for _ in range(6)])
    drawn = await harness.client.post(
        "/batches", json={"action": "township_review", "division": VILLAGE}, headers=harness.township()
    )
    assert drawn.status_code == 201, drawn.text
    read = (await harness.client.get(f"/batches/{drawn.json()['id']}", headers=harness.township())).json()
    assert read["items"] == cases
    redrawn = sampling.draw(read["seed"], [uuid.UUID(c) for c in read["items"]], read["sample_count"])
    assert sorted(map(str, redrawn)) == read["sample"]


# ---- D8: structured 422s and empty Idempotency-Keys -----------------------------------------------------


async def test_bad_village_review_finding_has_structured_errors(harness: Harness) -> None:
    case = await _case_at(harness, "verified")
    response = await harness.act(
        case, "village_review", harness.village(), await harness.vote(present="many")
    )
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert isinstance(errors, list) and errors[0]["loc"] == ["body", "finding", "present"]
    assert {"loc", "msg", "type"} <= set(errors[0])
    assert await harness.state(case) == "verified"


@pytest.mark.parametrize("key", ["", "   "])
async def test_empty_idempotency_key_is_refused(harness: Harness, key: str) -> None:
    household = await harness.household()
    body = {
        "household_id": str(household),
        "year": 2024,
        "authorisation": await harness.authorisation(),
    }
    response = await harness.client.post(
        "/cases", json=body, headers={**harness.village(), "Idempotency-Key": key}
    )
    assert response.status_code == 422 and response.json()["code"] == "idempotency-key", response.text
    assert (await harness.sql("SELECT count(*) FROM cases"))[0][0] == 0
    assert (await harness.sql("SELECT count(*) FROM idempotency_keys"))[0][0] == 0
