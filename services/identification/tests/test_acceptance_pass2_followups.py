"""The rest of acceptance pass 2 (2026-11-27), on real PostgreSQL through the real app: a household is not
identified and monitored at once (#3), a withdrawn or rejected case leaves its public notice (#6), and
the region settings honour Idempotency-Key (#9)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

VILLAGE = "520102016001"
COUNTY = "520102000000"
DAY = 86_400
# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any


async def _at(harness: Harness, case: str, state: str) -> None:
    await harness.sql("UPDATE cases SET state = :s WHERE id = :i", s=state, i=uuid.UUID(case))


async def _history(harness: Harness, case: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await harness.client.get(f"/cases/{case}/history", headers=harness.county())
    ).json()
    return rows


async def _medical_push(harness: Harness, *rids: str) -> dict[str, Any]:
    client = harness.auth("county", "520102000000", "department", kind="client")
    pushed = await harness.client.post(
        "/comparisons/pushes",
        json={
            "kind": "medical_self_paid",
            "department": "县医保局",
            "entries": [{"resident_id": rid, "amount": "26000.50"} for rid in rids],
        },
        headers=client,
    )
    assert pushed.status_code == 201, pushed.text
    body: dict[str, Any] = pushed.json()
    return body


# ---- #3: identification and monitoring are not run side by side ----------------------------------------


async def test_a_cadre_cannot_open_monitoring_while_the_household_is_being_identified(
    harness: Harness,
) -> None:
    await harness.quotas(await harness.year(), 10)
    household = await harness.household()
    case = await harness.apply(household)
    refused = await harness.open_monitoring(household)
    assert refused.status_code == 409 and refused.json()["code"] == "identification-open", refused.text
    assert refused.json()["case_id"] == case
    assert await harness.sql(
        "SELECT count(*) FROM cases WHERE household_id = :h AND kind = 'monitoring'", h=household
    ) == [(0,)]
    # Once the application is withdrawn, the household may be monitored.
    withdrawn = await harness.client.post(
        f"/cases/{case}/actions/withdraw", json={"reason": "农户自愿撤回申请"}, headers=harness.village()
    )
    assert withdrawn.status_code == 200, withdrawn.text
    opened = await harness.open_monitoring(household)
    assert opened.status_code == 201, opened.text


async def test_a_push_skips_the_warning_for_a_household_being_identified_and_says_why(
    harness: Harness,
) -> None:
    await harness.quotas(await harness.year(), 10)
    identified_rid, other_rid = harness.resident_id(), harness.resident_id()
    identified = await harness.household(ids=[identified_rid])
    other = await harness.household(ids=[other_rid])
    case = await harness.apply(identified)

    pushed = await _medical_push(harness, identified_rid, other_rid)
    assert pushed["warnings_opened"] == 1 and pushed["warnings_skipped"] == 1, pushed
    [skipped] = pushed["skipped"]
    assert skipped["code"] == "identification-open" and skipped["households"] == 1
    assert "identification case" in skipped["reason"]
    monitored = await harness.sql("SELECT household_id FROM cases WHERE kind = 'monitoring' AND active")
    assert [row[0] for row in monitored] == [other]
    # Recorded on the identification case, which has the list's finding as a warn hit instead.
    last = (await _history(harness, case))[-1]
    assert (
        last["action"] == "monitoring_warning_skipped" and last["from_state"] == last["to_state"] == "applied"
    )
    assert last["detail"]["push_id"] == pushed["id"] and last["detail"]["amount"] == "26000.50"
    hits = (
        await harness.client.get("/comparisons/hits", params={"case_id": case}, headers=harness.county())
    ).json()
    assert [(hit["kind"], hit["effect"]) for hit in hits] == [("medical_self_paid", "warn")]


async def _monitoring_at_county_decision(harness: Harness, household: uuid.UUID) -> str:
    opened = await harness.open_monitoring(household)
    assert opened.status_code == 201, opened.text
    case = str(opened.json()["id"])
    await _at(harness, case, "monitor_township_reviewed")
    return case


async def test_the_county_decision_refuses_a_household_registered_as_poor_meanwhile(harness: Harness) -> None:
    household = await harness.household()
    case = await _monitoring_at_county_decision(harness, household)
    # The registry registered the household (say, by an identification announced before the warning).
    await harness.sql("UPDATE rm_households SET status = 'registered' WHERE household_id = :h", h=household)
    refused = await harness.act(case, "county_decide", harness.county())
    assert refused.status_code == 409 and refused.json()["code"] == "identified-as-poor", refused.text
    assert refused.json()["household_status"] == "registered"
    assert await harness.state(case) == "monitor_township_reviewed"
    # The county closes the monitoring case instead.
    rejected = await harness.client.post(
        f"/cases/{case}/actions/reject", json={"reason": "该户已纳入建档立卡"}, headers=harness.county()
    )
    assert rejected.status_code == 200, rejected.text


async def test_the_county_decision_refuses_while_an_identification_is_announced(harness: Harness) -> None:
    """The announcement is public and the registry is about to register the household: a monitoring
    decision now would be refused by the registry and dropped."""
    household = await harness.household()
    monitoring = await _monitoring_at_county_decision(harness, household)
    await harness.quotas(await harness.year(), 10)
    identification = await harness.apply(household)  # a monitoring object found poor is identified
    await _at(harness, identification, "announced")
    refused = await harness.act(monitoring, "county_decide", harness.county())
    assert refused.status_code == 409 and refused.json()["code"] == "identified-as-poor", refused.text
    assert refused.json()["case_id"] == identification
    # Before the announcement (still under review) the decision is the county's to make, as before.
    await _at(harness, identification, "second_noticed")
    decided = await harness.act(monitoring, "county_decide", harness.county())
    assert decided.status_code == 200 and decided.json()["state"] == "monitored", decided.text


# ---- #6: a withdrawn or rejected case leaves its notice ------------------------------------------------


async def _object(harness: Harness, notice: str, case: str, text: str) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/public/notices/{notice}/objections", json={"case_id": case, "text": text}
    )
    return response


async def test_a_withdrawn_case_leaves_the_notice_and_its_objections_do_not_hold_it(harness: Harness) -> None:
    (withdrawn, rejected, staying), notice = await harness.to_first_notice(households=3)
    early = await _object(harness, notice, withdrawn, "该户有稳定收入")
    assert early.status_code == 201, early.text

    out = await harness.client.post(
        f"/cases/{withdrawn}/actions/withdraw", json={"reason": "农户自愿撤回申请"}, headers=harness.village()
    )
    assert out.status_code == 200, out.text
    refused = await harness.client.post(
        f"/cases/{rejected}/actions/reject", json={"reason": "乡镇核查不符合条件"}, headers=harness.township()
    )
    assert refused.status_code == 200, refused.text

    # The notice stays as posted: the two households keep their lines, marked as taken off the list.
    board = (await harness.client.get(f"/public/notices/{notice}")).json()
    statuses = {entry["case_id"]: entry["status"] for entry in board["entries"]}
    assert statuses == {withdrawn: "withdrawn", rejected: "withdrawn", staying: "listed"}
    document = (await harness.client.get(f"/public/notices/{notice}/document")).text
    assert document.count("<tr><td>") == 3 and document.count("撤出公示") == 2
    for case in (withdrawn, rejected):
        late = await _object(harness, notice, case, "该户已撤回为何还在公示")
        assert late.status_code == 409 and late.json()["code"] == "case-closed", late.text
    # The objection filed before the withdrawal no longer holds the notice open for the other household.
    await harness.advance_clock(8 * DAY)
    ticked = await harness.client.post("/notices/tick", headers=harness.township())
    assert ticked.status_code == 200 and ticked.json()["closed"] == [notice], ticked.text
    assert await harness.state(staying) == "first_noticed"
    assert [await harness.state(case) for case in (withdrawn, rejected)] == ["withdrawn", "rejected"]


async def test_an_objection_to_a_listed_case_still_holds_the_notice(harness: Harness) -> None:
    (objected, _other), notice = await harness.to_first_notice(households=2)
    assert (await _object(harness, notice, objected, "该户有稳定收入")).status_code == 201
    await harness.advance_clock(8 * DAY)
    ticked = await harness.client.post("/notices/tick", headers=harness.township())
    assert ticked.status_code == 200 and ticked.json()["closed"] == [], ticked.text


# ---- #9: region settings and Idempotency-Key -----------------------------------------------------------


async def test_a_region_setting_honours_the_idempotency_key(harness: Harness) -> None:
    path = f"/region-settings/{VILLAGE}/objection_sla_days"
    headers = {**harness.county(), "Idempotency-Key": "setting-1"}
    first = await harness.client.put(path, json={"value": "10"}, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"division": VILLAGE, "key": "objection_sla_days", "value": "10"}
    await harness.sql("UPDATE region_settings SET updated_by = 'marker' WHERE division = :d", d=VILLAGE)
    replay = await harness.client.put(path, json={"value": "10"}, headers=headers)
    assert replay.status_code == 200 and replay.json() == first.json()
    other = await harness.client.put(path, json={"value": "12"}, headers=headers)
    assert other.status_code == 422 and "different request" in other.json()["detail"], other.text
    rows = await harness.sql(
        "SELECT value, updated_by FROM region_settings WHERE division = :d AND key = 'objection_sla_days'",
        d=VILLAGE,
    )
    assert rows == [("10", "marker")]  # the replay wrote nothing, the different body nothing either
    # The same key for another setting is another request too; a fresh key sets the value.
    elsewhere = await harness.client.put(
        f"/region-settings/{VILLAGE}/notice_days", json={"value": "10"}, headers=headers
    )
    assert elsewhere.status_code == 422, elsewhere.text
    fresh = await harness.client.put(
        path, json={"value": "12"}, headers={**harness.county(), "Idempotency-Key": "setting-2"}
    )
    assert fresh.status_code == 200 and fresh.json()["value"] == "12", fresh.text
    # A refused command does not keep its key: corrected, the same key goes through.
    bad = {**harness.county(), "Idempotency-Key": "setting-3"}
    assert (await harness.client.put(path, json={"value": "abc"}, headers=bad)).status_code == 422
    corrected = await harness.client.put(path, json={"value": "9"}, headers=bad)
    assert corrected.status_code == 200 and corrected.json()["value"] == "9", corrected.text
