"""QA6 (identification procedure, 2026-11-27), on real PostgreSQL through the real app: a stale objection
upheld after its case left the notice, the exit checks re-run at the announcement, forward steps refused
once the registry has the household as poor, an objection to a line withdrawn after an upheld objection,
and the application year's message."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from fupin_contracts import registry as registry_contracts
from fupin_kit.envelope import new_event
from identification.readmodel import handlers

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
DAY = 86_400


async def _object(harness: Harness, notice: str, case: str, text: str) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/public/notices/{notice}/objections", json={"case_id": case, "text": text}
    )
    return response


async def _resolve(harness: Harness, ticket: str, outcome: str, reason: str) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/objections/{ticket}/resolve",
        json={"outcome": outcome, "reason": reason},
        headers=harness.township(),
    )
    return response


async def _lines(harness: Harness, notice: str) -> dict[str, str]:
    board = (await harness.client.get(f"/public/notices/{notice}")).json()
    return {entry["case_id"]: entry["status"] for entry in board["entries"]}


async def _history(harness: Harness, case: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await harness.client.get(f"/cases/{case}/history", headers=harness.county())
    ).json()
    return rows


# ---- 1: an objection upheld after its case left the notice does not move the case ---------------------


async def test_a_stale_objection_upheld_leaves_the_case_on_its_new_notice(harness: Harness) -> None:
    (case,), old = await harness.to_first_notice()
    first = await _object(harness, old, case, "异议一")
    second = await _object(harness, old, case, "异议二")
    assert first.status_code == 201 and second.status_code == 201
    upheld = await _resolve(harness, first.json()["id"], "upheld", "属实")
    assert upheld.status_code == 200, upheld.text
    assert await harness.state(case) == "applied"

    assert (await harness.act(case, "verify", harness.village(), {"survey": "ok"})).status_code == 200
    assert (
        await harness.act(case, "village_review", harness.village(), await harness.vote())
    ).status_code == 200
    posted = await harness.client.post(
        "/notices", json={"division": VILLAGE, "kind": "first"}, headers=harness.township()
    )
    assert posted.status_code == 201, posted.text
    new = str(posted.json()["id"])

    stale = await _resolve(harness, second.json()["id"], "upheld", "也属实")
    assert stale.status_code == 200, stale.text
    assert stale.json()["status"] == "upheld"
    assert "already left" in (stale.json()["note"] or "")
    # The case stays on the notice it is on now, listed and consistent with its state.
    assert await harness.state(case) == "first_notice"
    assert (await _lines(harness, new))[case] == "listed"
    assert (await _lines(harness, old))[case] == "withdrawn_after_objection"
    history = await _history(harness, case)
    assert [row["action"] for row in history].count("uphold_objection") == 1
    assert history[-1]["action"] == "objection_upheld"
    assert history[-1]["detail"]["case_left_notice"] is True
    assert history[-1]["to_state"] == "first_notice"

    await harness.advance_clock(8 * DAY)
    ticked = await harness.client.post("/notices/tick", headers=harness.township())
    assert ticked.status_code == 200 and sorted(ticked.json()["closed"]) == sorted([old, new]), ticked.text
    assert await harness.state(case) == "first_noticed"


async def test_a_stale_objection_on_a_withdrawn_line_keeps_the_line_withdrawn(harness: Harness) -> None:
    (case, _other), notice = await harness.to_first_notice(households=2)
    ticket = await _object(harness, notice, case, "该户有稳定收入")
    assert ticket.status_code == 201
    out = await harness.client.post(
        f"/cases/{case}/actions/withdraw", json={"reason": "农户自愿撤回申请"}, headers=harness.village()
    )
    assert out.status_code == 200, out.text
    upheld = await _resolve(harness, ticket.json()["id"], "upheld", "属实")
    assert upheld.status_code == 200, upheld.text
    assert await harness.state(case) == "withdrawn"
    assert (await _lines(harness, notice))[case] == "withdrawn"


# ---- 2: the exit checks are run again when the county announces the exit ------------------------------

ASSURANCES = dict.fromkeys(
    ("food", "clothing", "compulsory_education", "basic_medical", "safe_housing", "safe_water"), True
)


async def _exit_noticed(harness: Harness) -> tuple[uuid.UUID, str, int]:
    """A household registered last year whose exit this year (income 8000) has run through its notice:
    (household, exit case, exit year)."""
    year = await harness.year()
    household = await harness.household()
    await harness.sql(
        "UPDATE rm_households SET status = 'registered', registered_year = :y WHERE household_id = :h",
        y=year - 1,
        h=household,
    )
    await harness.income(household, year, "8000")
    proposed = await harness.client.post(
        "/exits",
        json={
            "household_id": str(household),
            "year": year,
            "assurances": ASSURANCES,
            "finding": await harness.vote(),
        },
        headers=harness.village(),
    )
    assert proposed.status_code == 201, proposed.text
    case = str(proposed.json()["id"])
    assert (await harness.act(case, "exit_verify", harness.village(), {"survey": "ok"})).status_code == 200
    confirmed = await harness.act(case, "household_confirm", harness.village(), {"signed_by": "张三丰"})
    assert confirmed.status_code == 200, confirmed.text
    notice = await harness.client.post(
        "/notices", json={"division": VILLAGE, "kind": "exit"}, headers=harness.township()
    )
    assert notice.status_code == 201, notice.text
    await harness.advance_clock(8 * DAY)
    ticked = await harness.client.post("/notices/tick", headers=harness.township())
    assert ticked.status_code == 200, ticked.text
    assert await harness.state(case) == "exit_noticed"
    return household, case, year


async def test_an_exit_whose_income_was_corrected_below_the_line_is_not_announced(harness: Harness) -> None:
    household, case, year = await _exit_noticed(harness)
    await harness.sql(
        "UPDATE rm_incomes SET per_capita_net_income = 1000 WHERE household_id = :h AND year = :y",
        h=household,
        y=year,
    )
    refused = await harness.act(case, "exit_announce", harness.county())
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "exit-checks"
    assert "not above the line" in str(refused.json()["failed"])
    assert await harness.state(case) == "exit_noticed"
    rejected = await harness.client.post(
        f"/cases/{case}/actions/reject", json={"reason": "收入更正后低于贫困线"}, headers=harness.county()
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected", rejected.text


async def test_an_exit_still_qualifying_is_announced_with_the_line_it_was_judged_by(harness: Harness) -> None:
    _household, case, _year = await _exit_noticed(harness)
    announced = await harness.act(case, "exit_announce", harness.county())
    assert announced.status_code == 200 and announced.json()["state"] == "exit_announced", announced.text
    history = await _history(harness, case)
    assert history[-1]["action"] == "exit_announce" and history[-1]["detail"]["poverty_line"]


# ---- 3: no forward step once the registry has the household as poor by another route ------------------


async def _registered_directly(harness: Harness, household: uuid.UUID) -> None:
    """The county's own registration in the registry (status-commands register), as its event reaches
    identification's read model."""
    payload = registry_contracts.HouseholdStatusChangedV1(
        household_id=household,
        division=VILLAGE,
        version=2,
        from_status="candidate",
        to_status="registered",
        reason="县直接登记",
    )
    event = new_event(
        service="registry",
        type=registry_contracts.HOUSEHOLD_REGISTERED,
        aggregate="household",
        aggregate_id=str(household),
        division=VILLAGE,
        data=payload.model_dump(mode="json"),
    )
    async with harness.app.state.sessionmaker() as session, session.begin():
        await handlers.on_status_changed(session, event)


async def _household_of(harness: Harness, case: str) -> uuid.UUID:
    rows = await harness.sql("SELECT household_id FROM cases WHERE id = :c", c=uuid.UUID(case))
    household: uuid.UUID = rows[0][0]
    return household


async def test_an_identification_registered_by_another_route_goes_no_further(harness: Harness) -> None:
    (case,), _notice = await harness.to_first_notice()
    await harness.advance_clock(8 * DAY)
    assert (await harness.client.post("/notices/tick", headers=harness.township())).status_code == 200
    assert await harness.state(case) == "first_noticed"
    await _registered_directly(harness, await _household_of(harness, case))

    check = {"passed": True, "note": "逐户核查"}
    refused = await harness.act(case, "township_review", harness.township(), check)
    assert refused.status_code == 409 and refused.json()["code"] == "household-status", refused.text
    for state, action, headers in (
        ("township_reviewed", "complete_comparison", harness.county()),
        ("second_noticed", "county_approve", harness.county()),
        ("county_approved", "announce", harness.county()),
    ):
        await harness.sql("UPDATE cases SET state = :s WHERE id = :c", s=state, c=uuid.UUID(case))
        refused = await harness.act(case, action, headers, check)
        assert refused.status_code == 409 and refused.json()["code"] == "household-status", (
            action,
            refused.text,
        )
    assert await harness.state(case) == "county_approved"
    rejected = await harness.client.post(
        f"/cases/{case}/actions/reject", json={"reason": "已由县直接登记"}, headers=harness.county()
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected", rejected.text


async def test_early_steps_notices_and_batches_leave_out_a_household_registered_elsewhere(
    harness: Harness,
) -> None:
    await harness.quotas(await harness.year(), 10)
    early = await harness.apply(await harness.household())
    await _registered_directly(harness, await _household_of(harness, early))
    refused = await harness.act(early, "verify", harness.village(), {"survey": "ok"})
    assert refused.status_code == 409 and refused.json()["code"] == "household-status", refused.text
    withdrawn = await harness.client.post(
        f"/cases/{early}/actions/withdraw", json={"reason": "已登记"}, headers=harness.village()
    )
    assert withdrawn.status_code == 200, withdrawn.text

    # A village list: the registered household's case is not put on the notice.
    reviewed = await harness.apply(await harness.household())
    assert (await harness.act(reviewed, "verify", harness.village(), {"survey": "ok"})).status_code == 200
    vote = await harness.vote()
    assert (await harness.act(reviewed, "village_review", harness.village(), vote)).status_code == 200
    await _registered_directly(harness, await _household_of(harness, reviewed))
    notice = await harness.client.post(
        "/notices", json={"division": VILLAGE, "kind": "first"}, headers=harness.township()
    )
    assert notice.status_code == 409 and notice.json()["code"] == "nothing-ready", notice.text

    # A batch leaves it out with its reason.
    others = []
    for _ in range(3):
        other = await harness.apply(await harness.household())
        await harness.sql("UPDATE cases SET state = 'first_noticed' WHERE id = :c", c=uuid.UUID(other))
        others.append(other)
    await harness.sql("UPDATE cases SET state = 'first_noticed' WHERE id = :c", c=uuid.UUID(reviewed))
    batch = await harness.client.post(
        "/batches", json={"action": "township_review", "division": VILLAGE}, headers=harness.township()
    )
    assert batch.status_code == 201, batch.text
    findings = [{"case_id": sampled, "passed": True} for sampled in batch.json()["sample"]]
    decided = await harness.client.post(
        f"/batches/{batch.json()['id']}/decide", json={"findings": findings}, headers=harness.township()
    )
    assert decided.status_code == 200, decided.text
    assert await harness.state(reviewed) == "first_noticed"
    assert [await harness.state(other) for other in others] == ["township_reviewed"] * 3


# ---- 4: an objection to a line withdrawn after an upheld objection: 409 case-closed --------------------


async def test_an_objection_to_a_line_withdrawn_after_an_upheld_objection_is_case_closed(
    harness: Harness,
) -> None:
    (case, _other), notice = await harness.to_first_notice(households=2)
    ticket = await _object(harness, notice, case, "该户有稳定收入")
    assert (await _resolve(harness, ticket.json()["id"], "upheld", "属实")).status_code == 200
    late = await _object(harness, notice, case, "该户还有私家车")
    assert late.status_code == 409 and late.json()["code"] == "case-closed", late.text
    unknown = await _object(harness, notice, str(uuid.uuid4()), "该户有稳定收入")
    assert unknown.status_code == 404, unknown.text


# ---- 5: the application year's 422 names the rounds accepted ---------------------------------------------


async def test_a_bad_application_year_names_the_accepted_rounds(harness: Harness) -> None:
    year = await harness.year()
    refused = await harness.client.post(
        "/cases",
        json={
            "household_id": str(await harness.household()),
            "year": year + 2,
            "authorisation": await harness.authorisation(),
        },
        headers=harness.village(),
    )
    assert refused.status_code == 422 and refused.json()["code"] == "year", refused.text
    assert f"from 2013 to {year + 1}" in refused.json()["detail"], refused.text


async def test_an_exit_for_a_household_not_registered_is_refused_naming_its_status(harness: Harness) -> None:
    """The refusal carries the household's status as `household_status`: passed as `status`, the extension
    collided with the problem's own status and the proposal answered 500 (the jurisdiction matrix found it)."""
    year = await harness.year()
    household = await harness.household()  # a candidate: never registered
    refused = await harness.client.post(
        "/exits",
        json={
            "household_id": str(household),
            "year": year,
            "assurances": ASSURANCES,
            "finding": await harness.vote(),
        },
        headers=harness.village(),
    )
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "household-status" and problem["household_status"] == "candidate"
    assert problem["status"] == 409
