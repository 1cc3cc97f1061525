"""Rules the exit-and-monitoring acceptance pass of 2026-11-27 found broken, on real PostgreSQL through the
real app: the exit and monitoring lines are the registry's standards (carried forward, the highest along
the region chain), a monitoring case ends when the household is registered as poor, a push compares each
household with its own division's threshold, and monitoring counts China's calendar year."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from decimal import Decimal
from typing import Any

from fupin_contracts import registry as registry_contracts
from fupin_kit.envelope import new_event
from identification.readmodel import handlers

# The procedure's dates are today in China: no step is dated before its case was opened.

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
COUNTY = "520102000000"
PROVINCE = "520000000000"
NATION = "000000000000"
OTHER_VILLAGE = "520103001001"  # a village of another county of the same province
DAY = 86_400
ASSURANCES = dict.fromkeys(
    ("food", "clothing", "compulsory_education", "basic_medical", "safe_housing", "safe_water"), True
)
_standard_ids = itertools.count(9001)


async def _standard(harness: Harness, kind: str, year: int, region: str, amount: str) -> int:
    """A standard set in the registry, delivered as its fupin.registry.standard.set.v1 event."""
    standard_id = next(_standard_ids)
    payload = registry_contracts.StandardSetV1(
        id=standard_id,
        kind=kind,
        year=year,
        region=region,
        amount=Decimal(amount),
        valid_from=dt.date(year, 1, 1),
        set_by="user:county-officer",
        reason="县定标准",
        supersedes=None,
    )
    event = new_event(
        service="registry",
        type=registry_contracts.STANDARD_SET,
        aggregate="standard",
        aggregate_id=str(standard_id),
        division=region,
        data=payload.model_dump(mode="json"),
    )
    for _ in range(2):  # delivered twice: the read model keeps one row
        async with harness.app.state.sessionmaker() as session, session.begin():
            await handlers.on_standard_set(session, event)
    return standard_id


async def _registered(harness: Harness, registered_year: int, division: str = VILLAGE) -> uuid.UUID:
    household: uuid.UUID = await harness.household(division=division)
    await harness.sql(
        "UPDATE rm_households SET status = 'registered', registered_year = :y WHERE household_id = :h",
        y=registered_year,
        h=household,
    )
    return household


async def _exit(harness: Harness, household: uuid.UUID, year: int, village: str = VILLAGE) -> Any:
    return await harness.client.post(
        "/exits",
        json={
            "household_id": str(household),
            "year": year,
            "assurances": ASSURANCES,
            "finding": await harness.vote(),
        },
        headers=harness.village(village),
    )


async def _monitor(
    harness: Harness, household: uuid.UUID, year: int, monitored_type: str = "marginal"
) -> Any:
    return await harness.client.post(
        "/monitoring",
        json={
            "household_id": str(household),
            "year": year,
            "monitored_type": monitored_type,
            "discovery": "cadre_visit",
        },
        headers=harness.village(),
    )


async def _history(harness: Harness, case: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await harness.client.get(f"/cases/{case}/history", headers=harness.county())
    ).json()
    return rows


# ---- #1: the registry's standards -----------------------------------------------------------------------


async def test_an_exit_above_the_national_line_passes_in_a_year_without_a_row_of_its_own(
    harness: Harness,
) -> None:
    year = await harness.year()
    household = await _registered(harness, year - 1)
    await harness.income(household, year, "4300")
    accepted = await _exit(harness, household, year)
    assert accepted.status_code == 201, accepted.text
    [opened] = await _history(harness, accepted.json()["id"])
    # The national 2020 line, carried forward, says which standard the check used.
    assert opened["detail"]["poverty_line"] == {
        "kind": "poverty_line",
        "id": None,
        "region": NATION,
        "year": 2020,
        "amount": "4000",
        "carried_forward": True,
        "set_by": "system:seed",
    }

    # The next year has no row anywhere (identification's old copy stopped at 2026): still carried forward.
    await harness.advance_clock(366 * DAY)
    later = await _registered(harness, year)
    await harness.income(later, year + 1, "4000.01")
    next_year = await _exit(harness, later, year + 1)
    assert next_year.status_code == 201, next_year.text


async def test_a_higher_regional_standard_set_in_the_registry_stops_an_exit(harness: Harness) -> None:
    year = await harness.year()
    standard_id = await _standard(harness, "poverty_line", year, COUNTY, "4600")
    rows = await harness.sql("SELECT count(*) FROM rm_standards WHERE standard_id = :i", i=standard_id)
    assert rows[0][0] == 1  # idempotent by the registry's id
    below = await _registered(harness, year - 1)
    await harness.income(below, year, "4300")
    refused = await _exit(harness, below, year)
    assert refused.status_code == 422, refused.text
    assert "not above the line 4600" in str(refused.json()["failed"])
    above = await _registered(harness, year - 1)
    await harness.income(above, year, "4600.01")
    accepted = await _exit(harness, above, year)
    assert accepted.status_code == 201, accepted.text
    [opened] = await _history(harness, accepted.json()["id"])
    assert opened["detail"]["poverty_line"]["id"] == standard_id
    assert opened["detail"]["poverty_line"]["region"] == COUNTY
    assert opened["detail"]["poverty_line"]["amount"] == "4600"
    # A household of another county keeps the national line.
    elsewhere = await _registered(harness, year - 1, OTHER_VILLAGE)
    await harness.income(elsewhere, year, "4300")
    assert (await _exit(harness, elsewhere, year, OTHER_VILLAGE)).status_code == 201


async def test_the_line_in_force_is_the_highest_along_the_chain_as_the_registry_computes_it(
    harness: Harness,
) -> None:
    year = await harness.year()
    # The province raised its line two years ago; the county's row of this year is lower: the province's
    # carried-forward line is the one in force (an override only ever raises the line).
    province = await _standard(harness, "poverty_line", year - 2, PROVINCE, "5000")
    await _standard(harness, "poverty_line", year, COUNTY, "4800")
    # A county row of a later year does not apply to this one.
    await _standard(harness, "poverty_line", year + 1, COUNTY, "9000")
    household = await _registered(harness, year - 1)
    await harness.income(household, year, "4900")
    refused = await _exit(harness, household, year)
    assert refused.status_code == 422 and "not above the line 5000" in str(refused.json()["failed"])
    await harness.sql(
        "UPDATE rm_incomes SET per_capita_net_income = 5000.5 WHERE household_id = :h", h=household
    )
    accepted = await _exit(harness, household, year)
    assert accepted.status_code == 201, accepted.text
    [opened] = await _history(harness, accepted.json()["id"])
    assert opened["detail"]["poverty_line"]["id"] == province
    assert opened["detail"]["poverty_line"]["carried_forward"] is True
    # A newer row for the same (kind, year, region) supersedes the older one.
    await _standard(harness, "poverty_line", year - 2, PROVINCE, "4500")
    later = await _registered(harness, year - 1)
    await harness.income(later, year, "4750")
    superseded = await _exit(harness, later, year)  # the county's 4800 is now the highest
    assert superseded.status_code == 422 and "line 4800" in str(superseded.json()["failed"]), superseded.text
    cheaper = await _registered(harness, year - 1)
    await harness.income(cheaper, year, "4801")
    assert (await _exit(harness, cheaper, year)).status_code == 201


async def test_the_monitoring_line_is_the_registrys_standard(harness: Harness) -> None:
    year = await harness.year()
    household = await harness.household()
    await harness.income(household, year, "7000")
    refused = await _monitor(harness, household, year)
    assert refused.status_code == 422 and "monitoring line 6000" in str(refused.json()["failed"])
    standard_id = await _standard(harness, "monitoring_line", year, COUNTY, "7500")
    opened = await _monitor(harness, household, year)
    assert opened.status_code == 201, opened.text
    [row] = await _history(harness, opened.json()["id"])
    assert row["detail"]["monitoring_line"] == "7500"
    assert row["detail"]["monitoring_standard"]["id"] == standard_id
    assert row["detail"]["monitoring_standard"]["region"] == COUNTY
    # A year after, with no row of its own: the county's line is carried forward, not refused.
    await harness.advance_clock(366 * DAY)
    later = await harness.household()
    await harness.income(later, year + 1, "7400")
    carried = await _monitor(harness, later, year + 1)
    assert carried.status_code == 201, carried.text


async def test_the_dead_monitoring_line_factor_setting_is_gone(harness: Harness) -> None:
    response = await harness.client.put(
        f"/region-settings/{COUNTY}/monitoring_line_factor", json={"value": "2.0"}, headers=harness.county()
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid-setting", response.text
    assert (await harness.sql("SELECT count(*) FROM region_settings WHERE key = 'monitoring_line_factor'"))[
        0
    ][0] == 0


# ---- #2: registered as poor ends the monitoring ---------------------------------------------------------


async def _monitored(harness: Harness) -> tuple[uuid.UUID, str]:
    year = await harness.year()
    household = await harness.household()
    await harness.income(household, year, "5000")
    opened = await _monitor(harness, household, year)
    assert opened.status_code == 201, opened.text
    case = str(opened.json()["id"])
    await harness.sql("UPDATE cases SET state = 'monitored' WHERE id = :i", i=uuid.UUID(case))
    await harness.sql(
        "INSERT INTO case_history (case_id, division, action, from_state, to_state, actor, actor_tier, at) "
        "VALUES (:i, :d, 'county_decide', 'monitor_township_reviewed', 'monitored', 'test', 'county', :at)",
        i=uuid.UUID(case),
        d=VILLAGE,
        at=dt.datetime.now(dt.UTC) - dt.timedelta(days=240),
    )
    await harness.sql("UPDATE rm_households SET status = 'monitored' WHERE household_id = :h", h=household)
    await harness.income(household, year - 1, "9000")
    return household, case


async def _registry_status(harness: Harness, household: uuid.UUID, to_status: str) -> None:
    payload = registry_contracts.HouseholdStatusChangedV1(
        household_id=household,
        division=VILLAGE,
        version=3,
        from_status="monitored",
        to_status=to_status,
        reason="identification case registered",
    )
    event = new_event(
        service="registry",
        type=registry_contracts.STATUS_EVENT_TYPES[to_status],
        aggregate="household",
        aggregate_id=str(household),
        division=VILLAGE,
        data=payload.model_dump(mode="json"),
    )
    async with harness.app.state.sessionmaker() as session, session.begin():
        await handlers.on_status_changed(session, event)


async def test_a_monitored_household_registered_as_poor_ends_its_monitoring(harness: Harness) -> None:
    for status in ("registered", "returned"):
        household, case = await _monitored(harness)
        await _registry_status(harness, household, status)
        assert await harness.state(case) == "monitor_ended"
        last = (await _history(harness, case))[-1]
        assert last["action"] == "end_monitoring" and last["actor"].startswith("system")
        assert "identified as poor" in last["detail"]["reason"]
        assert last["detail"]["household_status"] == status
        refused = await harness.act(case, "clear_risk", harness.county())
        assert refused.status_code == 409, refused.text
        # A redelivered status event changes nothing more.
        await _registry_status(harness, household, status)
        assert [row["action"] for row in await _history(harness, case)].count("end_monitoring") == 1
    types = await harness.outbox_types()
    assert types.count("fupin.identification.monitoring.ended.v1") == 2
    assert "fupin.identification.monitoring.cleared.v1" not in types


async def test_clear_risk_is_refused_for_a_household_registered_as_poor(harness: Harness) -> None:
    household, case = await _monitored(harness)
    # The read model has the registration though the case was not ended (a row from before the fix).
    await harness.sql("UPDATE rm_households SET status = 'registered' WHERE household_id = :h", h=household)
    refused = await harness.act(case, "clear_risk", harness.county())
    assert refused.status_code == 409 and refused.json()["code"] == "identified-as-poor", refused.text
    assert await harness.state(case) == "monitored"
    assert "fupin.identification.monitoring.cleared.v1" not in await harness.outbox_types()


async def test_the_identification_announcement_ends_the_monitoring(harness: Harness) -> None:
    household, monitoring_case = await _monitored(harness)
    await harness.quotas(await harness.year(), 10)
    application = await harness.apply(household)
    await harness.sql("UPDATE cases SET state = 'county_approved' WHERE id = :i", i=uuid.UUID(application))
    announced = await harness.act(application, "announce", harness.county())
    assert announced.status_code == 200, announced.text
    assert await harness.state(monitoring_case) == "monitor_ended"
    last = (await _history(harness, monitoring_case))[-1]
    assert last["detail"]["identification_case"] == application
    assert (await harness.act(monitoring_case, "clear_risk", harness.county())).status_code == 409


# ---- #3: the household's own threshold ------------------------------------------------------------------


async def _medical_push(harness: Harness, rid: str, amount: str) -> dict[str, Any]:
    client = harness.auth("province", PROVINCE, "department", kind="client", scope="comparisons:push")
    pushed = await harness.client.post(
        "/comparisons/pushes",
        json={
            "kind": "medical_self_paid",
            "department": "省医保局",
            "entries": [{"resident_id": rid, "amount": amount}],
        },
        headers=client,
    )
    assert pushed.status_code == 201, pushed.text
    body: dict[str, Any] = pushed.json()
    return body


async def test_a_provincial_push_uses_each_households_county_threshold(harness: Harness) -> None:
    set_ = await harness.client.put(
        f"/region-settings/{COUNTY}/threshold.medical_self_paid",
        json={"value": "5000"},
        headers=harness.county(),
    )
    assert set_.status_code == 200, set_.text
    here, there = harness.resident_id(), harness.resident_id()
    near = await harness.household(ids=[here])
    far = await harness.household(division=OTHER_VILLAGE, ids=[there])

    async def warnings(household: Any) -> int:
        rows = await harness.sql(
            "SELECT count(*) FROM cases WHERE household_id = :h AND kind = 'monitoring'", h=household
        )
        return int(rows[0][0])

    # A provincial bureau is not told what its list matched (QA10-P3): the warnings are read here.
    assert (await _medical_push(harness, here, "8000"))["outcome_withheld"] is True
    assert await warnings(near) == 1  # 8000 > the county's 5000
    await _medical_push(harness, there, "8000")
    assert await warnings(far) == 0  # the default 10000 there
    await _medical_push(harness, there, "12000")
    assert await warnings(far) == 1


# ---- #6: China's calendar year --------------------------------------------------------------------------


async def test_monitoring_counts_chinas_year(harness: Harness) -> None:
    now = (await harness.sql("SELECT now()"))[0][0]
    target = dt.datetime(now.year, 12, 31, 16, 30, tzinfo=dt.UTC)  # 00:30 on 1 January in China
    if target <= now:
        target = target.replace(year=now.year + 1)
    await harness.advance_clock(int((target - now).total_seconds()) + 1)
    china_year = target.year + 1
    assert await harness.year() == china_year
    household = await harness.household()
    opened = await _monitor(harness, household, china_year, "sudden_hardship")
    assert opened.status_code == 201, opened.text
    rid = harness.resident_id()
    pushed_household = await harness.household(ids=[rid])
    client = harness.auth("county", COUNTY, "department", kind="client")
    pushed = await harness.client.post(
        "/comparisons/pushes",
        json={"kind": "disaster", "department": "应急管理局", "entries": [{"resident_id": rid}]},
        headers=client,
    )
    assert pushed.status_code == 201 and pushed.json()["warnings_opened"] == 1, pushed.text
    rows = await harness.sql("SELECT year FROM cases WHERE household_id = :h", h=pushed_household)
    assert [row[0] for row in rows] == [china_year]


# ---- #4: the exit's village review records the assembly's vote -----------------------------------------


async def test_the_exit_village_review_records_the_vote(harness: Harness) -> None:
    year = await harness.year()
    household = await _registered(harness, year - 1)
    await harness.income(household, year, "9000")
    body = {"household_id": str(household), "year": year, "assurances": ASSURANCES}
    no_quorum = await harness.client.post(
        "/exits",
        json={**body, "finding": await harness.vote(present=19, votes_for=15)},
        headers=harness.village(),
    )
    assert no_quorum.status_code == 422 and no_quorum.json()["code"] == "quorum", no_quorum.text
    future = await harness.client.post(
        "/exits",
        json={**body, "finding": await harness.vote(meeting_on=f"{year + 1}-06-01")},
        headers=harness.village(),
    )
    assert future.status_code == 422, future.text
    failed_vote = await harness.client.post(
        "/exits",
        json={**body, "finding": await harness.vote(votes_for=9, votes_against=12)},
        headers=harness.village(),
    )
    assert failed_vote.status_code == 201 and failed_vote.json()["state"] == "rejected", failed_vote.text
    assert (await _history(harness, failed_vote.json()["id"]))[-1]["detail"]["outcome"] == "vote failed"
    accepted = await harness.client.post(
        "/exits", json={**body, "finding": await harness.vote()}, headers=harness.village()
    )
    assert accepted.status_code == 201 and accepted.json()["state"] == "exit_proposed", accepted.text
    [opened] = await _history(harness, accepted.json()["id"])
    assert opened["detail"]["finding"]["present"] == 21 and opened["detail"]["finding"]["votes_for"] == 18


# ---- #5: the household's own confirmation and authorisation name who signed and when -------------------


async def test_household_confirm_and_authorise_record_who_signed_and_when(harness: Harness) -> None:
    year = await harness.year()
    household = await _registered(harness, year - 1)
    await harness.income(household, year, "9000")
    exit_case = str((await _exit(harness, household, year)).json()["id"])
    await harness.sql("UPDATE cases SET state = 'exit_verified' WHERE id = :i", i=uuid.UUID(exit_case))
    marginal = await harness.household()
    await harness.income(marginal, year, "5000")
    monitoring_case = str((await _monitor(harness, marginal, year)).json()["id"])
    await harness.sql(
        "UPDATE cases SET state = 'monitor_visited' WHERE id = :i", i=uuid.UUID(monitoring_case)
    )
    for case, action in ((exit_case, "household_confirm"), (monitoring_case, "authorise")):
        for finding in ({"signed_by": "   "}, {"signed_by": "钱满仓", "signed_on": f"{year + 1}-01-02"}):
            refused = await harness.act(case, action, harness.village(), finding)
            assert refused.status_code == 422, (action, finding, refused.text)
        done = await harness.act(case, action, harness.village(), {"signed_by": "钱满仓"})
        assert done.status_code == 200, done.text
        recorded = (await _history(harness, case))[-1]["detail"]["finding"]
        assert recorded["signed_by"] == "钱满仓" and recorded["signed"] is True
        assert recorded["signed_on"] is not None


async def test_a_consent_step_without_a_signer_is_refused(harness: Harness) -> None:
    """A step without a signer no longer passes as an unsigned one (QA5 identification-flow #2): the
    household's confirmation needs its signature, and nothing is recorded without it."""
    year = await harness.year()
    household = await _registered(harness, year - 1)
    await harness.income(household, year, "9000")
    exit_case = str((await _exit(harness, household, year)).json()["id"])
    await harness.sql("UPDATE cases SET state = 'exit_verified' WHERE id = :i", i=uuid.UUID(exit_case))
    refused = await harness.act(exit_case, "household_confirm", harness.village(), {"note": "户主口头同意"})
    assert refused.status_code == 422, refused.text
    assert await harness.state(exit_case) == "exit_verified"
    done = await harness.act(
        exit_case, "household_confirm", harness.village(), {"signed_by": "钱满仓", "note": "户主口头同意"}
    )
    assert done.status_code == 200, done.text
    recorded = (await _history(harness, exit_case))[-1]["detail"]["finding"]
    assert (
        recorded["signed"] is True
        and recorded["signed_by"] == "钱满仓"
        and recorded["note"] == "户主口头同意"
    )
