"""Rules the second acceptance pass of 2026-11-27 found broken, on real PostgreSQL through the real app: a
confirmed exclusion keeps blocking the household (and the person) on a later case, a household nobody
lives in is not identified, one open spot-check draw per list, failed spot-checks on record, and blank
texts and future dates refused."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx

from fupin_contracts import registry as registry_contracts
from fupin_kit.envelope import new_event
from identification import clock
from identification.readmodel import handlers

# The procedure's dates are today in China: no step is dated before its case was opened.

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
TOWNSHIP = "520102016000"


async def _at(harness: Harness, case: str, state: str) -> None:
    await harness.sql("UPDATE cases SET state = :s WHERE id = :i", s=state, i=uuid.UUID(case))


async def _case_at(harness: Harness, state: str, rid: str | None = None) -> str:
    await harness.quotas(await harness.year(), 50)
    case = await harness.apply(await harness.household(ids=[rid or harness.resident_id()]))
    await _at(harness, case, state)
    return str(case)


async def _history(harness: Harness, case: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await harness.client.get(f"/cases/{case}/history", headers=harness.county())
    ).json()
    return rows


# ---- #1: a confirmed exclusion keeps blocking -----------------------------------------------------------


async def test_a_confirmed_exclusion_blocks_the_households_next_application(harness: Harness) -> None:
    rid = harness.resident_id()
    first = await _case_at(harness, "township_reviewed", rid)
    await harness.push("private_vehicle", rid)
    [hit] = await harness.hits(first)
    confirmed = await harness.resolve_hit(hit["id"], "confirmed", "经交管部门核实，名下有小型轿车一辆")
    assert confirmed.status_code == 200, confirmed.text
    assert await harness.state(first) == "rejected"
    household = (await harness.client.get(f"/cases/{first}", headers=harness.village())).json()[
        "household_id"
    ]

    # The household applies again at once: the finding is carried onto the new case as an open blocking hit.
    second = await harness.apply(uuid.UUID(household))
    [carried] = await harness.hits(second)
    assert carried["status"] == "open" and carried["effect"] == "block"
    assert carried["kind"] == "private_vehicle" and hit["id"] in carried["reason"]
    assert any(row["action"] == "exclusion_carried" for row in await _history(harness, second))
    await _at(harness, second, "township_reviewed")
    blocked = await harness.act(second, "complete_comparison", harness.county())
    assert blocked.status_code == 409 and blocked.json()["code"] == "blocked", blocked.text

    # The route to correct it: the county clears the carried finding with a reason, and the case goes on;
    # the cleared finding is not carried onto the same case again.
    cleared = await harness.resolve_hit(carried["id"], "cleared", "车辆已于上月过户他人，有过户证明")
    assert cleared.status_code == 200, cleared.text
    assert (await harness.act(second, "complete_comparison", harness.county())).status_code == 200
    assert [h["status"] for h in await harness.hits(second)] == ["cleared"]


async def test_confirming_an_exclusion_blocks_the_persons_other_open_case(harness: Harness) -> None:
    """The finding is on the person: the same resident on another open case, opened after the push and
    before the confirmation, is blocked by the confirmation too."""
    rid = harness.resident_id()
    first = await _case_at(harness, "township_reviewed", rid)
    await harness.push("government_payroll", rid)
    other = await _case_at(harness, "second_noticed", rid)
    assert await harness.hits(other) == []
    [hit] = await harness.hits(first)
    assert (await harness.resolve_hit(hit["id"], "confirmed", "财政供养人员")).status_code == 200
    [carried] = await harness.hits(other)
    assert carried["status"] == "open" and carried["kind"] == "government_payroll"
    approve = await harness.act(other, "county_approve", harness.county())
    assert approve.status_code == 409 and approve.json()["code"] == "blocked", approve.text


# ---- #2: nobody lives in the household ----------------------------------------------------------------


async def _all_died(harness: Harness, household: uuid.UUID) -> None:
    """The registry's member.deceased event for every member, through the read model's handler."""
    rows = await harness.sql(
        "SELECT member_id, labour_capacity, health FROM rm_members WHERE household_id = :h", h=household
    )
    for left, (member_id, labour, health) in enumerate(rows, start=1):
        payload = registry_contracts.MemberLeftV1(
            household_id=household,
            division=VILLAGE,
            change="deceased",
            effective_on=dt.date(2026, 11, 27),
            reason="因病去世",
            member=registry_contracts.MemberSummaryV1(
                member_id=member_id,
                name="张三丰",
                sex="male",
                id_kind="resident_id",
                resident_id_masked="520102********0001",
                relation="head",
                health=health,
                labour_capacity=labour,
                status="deceased",
            ),
            member_count=len(rows) - left,
        )
        event = new_event(
            service="registry",
            type=registry_contracts.MEMBER_DECEASED,
            aggregate="household",
            aggregate_id=str(household),
            division=VILLAGE,
            data=payload.model_dump(mode="json"),
        )
        async with harness.app.state.sessionmaker() as session, session.begin():
            await handlers.on_member_changed(session, event)


async def test_a_household_nobody_lives_in_is_not_approved_announced_or_applied_for(harness: Harness) -> None:
    household = await harness.household(members=2)
    case = await harness.apply(household)
    await _at(harness, case, "county_approved")
    await _all_died(harness, household)
    announce = await harness.act(case, "announce", harness.county())
    assert announce.status_code == 409 and announce.json()["code"] == "no-living-members", announce.text
    await _at(harness, case, "second_noticed")
    approve = await harness.act(case, "county_approve", harness.county())
    assert approve.status_code == 409 and approve.json()["code"] == "no-living-members", approve.text
    # Rejecting stays open, and a new application for the empty household is refused.
    rejected = await harness.client.post(
        f"/cases/{case}/actions/reject", json={"reason": "户内成员均已去世"}, headers=harness.county()
    )
    assert rejected.status_code == 200, rejected.text
    again = await harness.client.post(
        "/cases",
        json={
            "household_id": str(household),
            "year": await harness.year(),
            "authorisation": await harness.authorisation(),
        },
        headers=harness.village(),
    )
    assert again.status_code == 409 and again.json()["code"] == "no-living-members", again.text


async def test_a_batch_approval_skips_a_household_nobody_lives_in(harness: Harness) -> None:
    empty_household = await harness.household()
    await harness.quotas(await harness.year(), 50)
    empty = await harness.apply(empty_household)
    await _at(harness, empty, "second_noticed")
    others = [await _case_at(harness, "second_noticed") for _ in range(2)]
    await _all_died(harness, empty_household)
    drawn = (
        await harness.client.post(
            "/batches", json={"action": "county_approve", "division": VILLAGE}, headers=harness.county()
        )
    ).json()
    findings = [{"case_id": case, "passed": True} for case in drawn["sample"]]
    decided = await harness.client.post(
        f"/batches/{drawn['id']}/decide", json={"findings": findings}, headers=harness.county()
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["decided"] == 2
    assert [item["case_id"] for item in decided.json()["skipped"]] == [empty]
    assert decided.json()["skipped"][0]["reason"].startswith("no living members")
    assert await harness.state(empty) == "second_noticed"
    assert [await harness.state(case) for case in others] == ["county_approved"] * 2


# ---- #4 and #5: spot-check draws and failed findings ----------------------------------------------------


async def _draw(harness: Harness, division: str = VILLAGE) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        "/batches", json={"action": "township_review", "division": division}, headers=harness.township()
    )
    return response


async def test_a_list_has_one_open_draw_and_every_draw_is_listed(harness: Harness) -> None:
    for _ in range(3):
        await _case_at(harness, "first_noticed")
    first = await _draw(harness)
    assert first.status_code == 201, first.text
    # Redrawing the same list, or the township's list that holds it, is refused and names the open batch.
    for division in (VILLAGE, TOWNSHIP):
        again = await _draw(harness, division)
        assert again.status_code == 409 and again.json()["code"] == "batch-open", again.text
        assert again.json()["batch_id"] == first.json()["id"]
    listed = await harness.client.get("/batches", params={"status": "drawn"}, headers=harness.township())
    assert listed.status_code == 200, listed.text
    assert [batch["id"] for batch in listed.json()] == [first.json()["id"]]
    # Once decided, the next list may be drawn.
    batch = first.json()
    findings = [{"case_id": case, "passed": True} for case in batch["sample"]]
    decided = await harness.client.post(
        f"/batches/{batch['id']}/decide", json={"findings": findings}, headers=harness.township()
    )
    assert decided.status_code == 200, decided.text
    await _case_at(harness, "first_noticed")
    assert (await _draw(harness)).status_code == 201
    everything = (await harness.client.get("/batches", headers=harness.township())).json()
    assert [b["status"] for b in everything] == ["drawn", "decided"]
    outsider = harness.auth("township", "520102017000", "officer")
    assert (await harness.client.get("/batches", headers=outsider)).json() == []


async def test_a_failed_spot_check_is_recorded_and_must_be_addressed(harness: Harness) -> None:
    for _ in range(5):
        await _case_at(harness, "first_noticed")
    batch = (await _draw(harness)).json()
    [failed] = batch["sample"]
    decided = await harness.client.post(
        f"/batches/{batch['id']}/decide",
        json={"findings": [{"case_id": failed, "passed": False, "note": "抽查发现收入不实"}]},
        headers=harness.township(),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["decided"] == 4
    assert await harness.state(failed) == "first_noticed"
    # On the case's history, and on the batch (its findings and how many it decided).
    last = (await _history(harness, failed))[-1]
    assert last["action"] == "spot_check_failed" and last["batch_id"] == batch["id"]
    assert last["detail"]["note"] == "抽查发现收入不实" and last["detail"]["step"] == "township_review"
    read = (await harness.client.get(f"/batches/{batch['id']}", headers=harness.township())).json()
    assert read["decided"] == 4
    assert [(f["case_id"], f["passed"], f["note"]) for f in read["findings"]] == [
        (failed, False, "抽查发现收入不实")
    ]

    # A later list-wide decision that does not sample it again leaves it for an individual decision.
    others = [await _case_at(harness, "first_noticed") for _ in range(19)]
    second = (await _draw(harness)).json()
    findings = [{"case_id": case, "passed": True} for case in second["sample"]]
    decided = await harness.client.post(
        f"/batches/{second['id']}/decide", json={"findings": findings}, headers=harness.township()
    )
    assert decided.status_code == 200, decided.text
    if failed in second["sample"]:  # checked again, and passed this time
        assert await harness.state(failed) == "township_reviewed"
        return
    assert [item["case_id"] for item in decided.json()["skipped"]] == [failed]
    assert [await harness.state(case) for case in others] == ["township_reviewed"] * 19

    # One by one, the decision must say how the finding was addressed, and records it.
    plain = await harness.act(failed, "township_review", harness.township())
    assert plain.status_code == 409 and plain.json()["code"] == "spot-check-failed", plain.text
    addressed = await harness.client.post(
        f"/cases/{failed}/actions/township_review",
        json={
            "reason": "复核：收入已按实更正，仍低于标准",
            "finding": {"passed": True, "note": "复核收入证明，已按实更正"},
        },
        headers=harness.township(),
    )
    assert addressed.status_code == 200, addressed.text
    detail = (await _history(harness, failed))[-1]["detail"]
    assert detail["spot_check"]["failed_check"] == {"batch_id": batch["id"], "note": "抽查发现收入不实"}


# ---- #7 and #8: blank texts and future dates ------------------------------------------------------------


async def test_blank_signer_and_reasons_are_refused(harness: Harness) -> None:
    household = await harness.household()
    year = await harness.year()
    for signer in ("   ", "\t \u3000"):
        response = await harness.client.post(
            "/cases",
            json={
                "household_id": str(household),
                "year": year,
                "authorisation": await harness.authorisation(signed_by=signer),
            },
            headers=harness.village(),
        )
        assert response.status_code == 422, response.text
    rid = harness.resident_id()
    case = await _case_at(harness, "township_reviewed", rid)
    category = await harness.client.post(
        f"/cases/{case}/category",
        json={"categories": ["industry"], "reason": " \u3000"},
        headers=harness.village(),
    )
    assert category.status_code == 422, category.text
    await harness.push("private_vehicle", rid)
    [hit] = await harness.hits(case)
    assert (await harness.resolve_hit(hit["id"], "confirmed", "  ")).status_code == 422
    assert (await harness.resolve_hit(hit["id"], "confirmed", " x ")).status_code == 422
    assert [h["status"] for h in await harness.hits(case)] == ["open"]


async def test_future_signature_and_meeting_dates_are_refused(harness: Harness) -> None:
    async with harness.app.state.sessionmaker() as session:
        today = (await clock.now(session)).astimezone(clock.CHINA).date()
    tomorrow = today + dt.timedelta(days=1)
    await harness.quotas(await harness.year(), 10)
    household = await harness.household()
    body = {"household_id": str(household), "year": await harness.year()}
    future = await harness.client.post(
        "/cases",
        json={**body, "authorisation": await harness.authorisation(signed_on=tomorrow.isoformat())},
        headers=harness.village(),
    )
    assert future.status_code == 422 and future.json()["code"] == "future-date", future.text
    applied = await harness.client.post(
        "/cases",
        json={**body, "authorisation": await harness.authorisation(signed_on=today.isoformat())},
        headers=harness.village(),
    )
    assert applied.status_code == 201, applied.text
    case = applied.json()["id"]
    assert (await harness.act(case, "verify", harness.village(), {"survey": "ok"})).status_code == 200
    late = await harness.act(
        case, "village_review", harness.village(), await harness.vote(meeting_on="2100-01-01")
    )
    assert late.status_code == 422 and late.json()["code"] == "future-date", late.text
    met = await harness.act(
        case, "village_review", harness.village(), await harness.vote(meeting_on=today.isoformat())
    )
    assert met.status_code == 200, met.text


async def test_a_case_says_which_allowed_steps_the_caller_may_take(harness: Harness) -> None:
    """allowed_actions is the procedure's; permitted_actions is the caller's share of it (the console
    offers only those), so a county officer is not offered the village cadre's verification."""
    case_id = await harness.apply(await harness.household())
    as_village = (await harness.client.get(f"/cases/{case_id}", headers=harness.village())).json()
    as_county = (await harness.client.get(f"/cases/{case_id}", headers=harness.county())).json()
    assert as_village["allowed_actions"] == as_county["allowed_actions"]
    assert "verify" in as_village["permitted_actions"]
    assert "verify" not in as_county["permitted_actions"]
    assert set(as_county["permitted_actions"]) <= set(as_county["allowed_actions"])
