"""Monitoring rules the lifecycle QA pass of 2026-11-28 found broken (QA9-L2, L3, L4), on real PostgreSQL
through the real app: no monitoring case opens or goes forward for a household nobody lives in (409
no-living-members, as the identification application answers); a risk the registry clears by hand ends the
monitoring case that decided it, so the two services agree; failed monitoring checks carry their code."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fupin_contracts import registry as registry_contracts
from fupin_kit.envelope import new_event
from identification.readmodel import handlers

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"


async def _monitor(harness: Harness, household: uuid.UUID, monitored_type: str = "marginal") -> Any:
    return await harness.client.post(
        "/monitoring",
        json={
            "household_id": str(household),
            "year": await harness.year(),
            "monitored_type": monitored_type,
            "discovery": "cadre_visit",
        },
        headers=harness.village(),
    )


async def _opened(harness: Harness, household: uuid.UUID) -> str:
    opened = await _monitor(harness, household)
    assert opened.status_code == 201, opened.text
    return str(opened.json()["id"])


async def _at(harness: Harness, case: str, state: str) -> None:
    await harness.sql("UPDATE cases SET state = :s WHERE id = :i", s=state, i=uuid.UUID(case))


async def _history(harness: Harness, case: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await harness.client.get(f"/cases/{case}/history", headers=harness.county())
    ).json()
    return rows


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
            effective_on=dt.date(2026, 11, 20),
            reason="病故",
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
        await _consume(harness, registry_contracts.MEMBER_DECEASED, household, payload)


async def _consume(harness: Harness, event_type: str, household: uuid.UUID, payload: Any) -> None:
    event = new_event(
        service="registry",
        type=event_type,
        aggregate="household",
        aggregate_id=str(household),
        division=VILLAGE,
        data=payload.model_dump(mode="json"),
    )
    async with harness.app.state.sessionmaker() as session, session.begin():
        await handlers.HANDLERS[event_type](session, event)


async def _cleared_by_registry(harness: Harness, household: uuid.UUID, reason: str) -> None:
    """The registry's household.monitoring_cleared (a county officer's `clear` command)."""
    payload = registry_contracts.HouseholdStatusChangedV1(
        household_id=household,
        division=VILLAGE,
        version=5,
        from_status="monitored",
        to_status="candidate",
        reason=reason,
    )
    await _consume(harness, registry_contracts.HOUSEHOLD_MONITORING_CLEARED, household, payload)


# ---- QA9-L2: nobody lives in the household ---------------------------------------------------------------


async def test_no_monitoring_case_opens_for_a_household_nobody_lives_in(harness: Harness) -> None:
    household = await harness.household()
    await _all_died(harness, household)
    refused = await _monitor(harness, household)
    assert refused.status_code == 409 and refused.json()["code"] == "no-living-members", refused.text
    assert await harness.sql("SELECT id FROM cases WHERE household_id = :h", h=household) == []


async def test_a_monitoring_case_opened_before_the_last_death_cannot_go_forward(harness: Harness) -> None:
    """The steps that stand for the identification's verification (visit, authorise, compare) are refused
    like the later ones; rejecting or withdrawing the case stays open."""
    household = await harness.household()
    case = await _opened(harness, household)
    await _all_died(harness, household)
    today = await harness.today()
    steps = (
        ("monitor_warned", "visit", harness.village(), {"visited_on": today}),
        ("monitor_visited", "authorise", harness.village(), {"signed_by": "张三丰", "signed_on": today}),
        ("monitor_authorised", "compare", harness.county(), None),
    )
    for state, action, headers, finding in steps:
        await _at(harness, case, state)
        refused = await harness.act(case, action, headers, finding)
        assert refused.status_code == 409 and refused.json()["code"] == "no-living-members", (
            action,
            refused.text,
        )
        assert await harness.state(case) == state
    await _at(harness, case, "monitor_visited")
    rejected = await harness.client.post(
        f"/cases/{case}/actions/reject", json={"reason": "户内成员均已去世"}, headers=harness.village()
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected", rejected.text


async def test_a_monitoring_case_of_an_empty_household_can_be_withdrawn(harness: Harness) -> None:
    household = await harness.household()
    case = await _opened(harness, household)
    await _all_died(harness, household)
    withdrawn = await harness.client.post(
        f"/cases/{case}/actions/withdraw", json={"reason": "户内成员均已去世"}, headers=harness.village()
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn", withdrawn.text


# ---- QA9-L3: the registry clears the risk by hand ----------------------------------------------------------


async def test_a_risk_cleared_by_hand_in_the_registry_ends_the_monitoring_case(harness: Harness) -> None:
    household = await harness.household()
    case = await _opened(harness, household)
    await _at(harness, case, "monitored")
    await harness.sql("UPDATE rm_households SET status = 'monitored' WHERE household_id = :h", h=household)

    await _cleared_by_registry(harness, household, "县里直接消除风险")
    assert await harness.state(case) == "monitor_ended"
    last = (await _history(harness, case))[-1]
    assert last["action"] == "end_monitoring" and last["actor"].startswith("system")
    assert "monitoring by hand" in last["detail"]["reason"] and "县里直接消除风险" in last["detail"]["reason"]
    assert last["detail"]["household_status"] == "candidate"
    assert "fupin.identification.monitoring.ended.v1" in await harness.outbox_types()
    assert "fupin.identification.monitoring.cleared.v1" not in await harness.outbox_types()
    refused = await harness.act(case, "clear_risk", harness.county())
    assert refused.status_code == 409, refused.text

    # A redelivered event changes nothing more, and the household may be monitored again.
    await _cleared_by_registry(harness, household, "县里直接消除风险")
    assert [row["action"] for row in await _history(harness, case)].count("end_monitoring") == 1
    again = await _monitor(harness, household)
    assert again.status_code == 201, again.text


async def test_a_clearance_leaves_a_monitoring_procedure_not_yet_decided_alone(harness: Harness) -> None:
    """Only a decided case (monitored) says the household is monitored. A case still under way is a new
    procedure (opened, say, after identification's own clear_risk and before the registry's clearance
    came back): the clearance does not end it."""
    household = await harness.household()
    case = await _opened(harness, household)
    await harness.sql("UPDATE rm_households SET status = 'monitored' WHERE household_id = :h", h=household)
    await _cleared_by_registry(harness, household, "identification case risk cleared")
    assert await harness.state(case) == "monitor_warned"


# ---- QA9-L4: the failed monitoring checks carry their code -----------------------------------------------


async def test_failed_monitoring_checks_carry_their_code(harness: Harness) -> None:
    household = await harness.household(income="10000")
    refused = await _monitor(harness, household)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "monitoring-checks", refused.text
    assert any("above the monitoring line" in failure for failure in refused.json()["failed"])
