"""The registry's status events in identification's read model. Its `registered` confirmation stamps the
year of the registry's act (the event's time, in China), so a consumer that sees the event late (after New
Year, or after the test clock moved on) does not make a legitimate exit next year look like "registered
this year"; a return to poverty confirms an announced case too; a risk clearance restores a status and
confirms none."""

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
DAY = 86_400


async def _status_changed(
    harness: Harness,
    household_id: uuid.UUID,
    event_type: str,
    from_status: str,
    to_status: str,
    reason: str,
    decided_on: dt.date | None = None,
) -> None:
    """The registry's status event, consumed by the read model's handler for its type."""
    payload = registry_contracts.HouseholdStatusChangedV1(
        household_id=household_id,
        division=VILLAGE,
        version=2,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        decided_on=decided_on,
    )
    await _consume(harness, event_type, payload)


async def _consume(harness: Harness, event_type: str, payload: Any) -> None:
    """A registry event about one household of VILLAGE, consumed by the read model's handler for its type."""
    event = new_event(
        service="registry",
        type=event_type,
        aggregate="household",
        aggregate_id=str(payload.household_id),
        division=VILLAGE,
        data=payload.model_dump(mode="json"),
    )
    async with harness.app.state.sessionmaker() as session, session.begin():
        await handlers.HANDLERS[event_type](session, event)


async def _case_state(harness: Harness, case_id: str) -> list[str]:
    return [row[0] for row in await harness.sql("SELECT state FROM cases WHERE id = :c", c=case_id)]


async def test_late_registered_event_keeps_the_registration_year(harness: Harness) -> None:
    household_id = await harness.household()
    case_id = await harness.apply(household_id)
    await harness.sql("UPDATE cases SET state = 'announced' WHERE id = :c", c=case_id)
    # The registry registers the household now (the event's time, on the wall clock like the service's,
    # whose test offset is still 0); this consumer sees the event more than a year later.
    year = await harness.year()
    await harness.advance_clock(400 * DAY)
    await _status_changed(
        harness, household_id, registry_contracts.HOUSEHOLD_REGISTERED, "candidate", "registered", "县级公告"
    )

    rows = await harness.sql(
        "SELECT status, registered_year FROM rm_households WHERE household_id = :h", h=household_id
    )
    assert [tuple(row) for row in rows] == [("registered", year)]
    assert await _case_state(harness, case_id) == ["registered"]


async def test_risk_cleared_back_to_exited_sets_the_status_and_confirms_no_exit(harness: Harness) -> None:
    """fupin.registry.household.monitoring_cleared.v1 restores the status before monitoring; an exit case
    awaiting the registry's `exited` confirmation is not closed by it."""
    household_id = await harness.household()
    case_id = await harness.apply(household_id)
    await harness.sql("UPDATE cases SET state = 'exit_announced' WHERE id = :c", c=case_id)
    await harness.sql("UPDATE rm_households SET status = 'monitored' WHERE household_id = :h", h=household_id)
    await _status_changed(
        harness,
        household_id,
        registry_contracts.HOUSEHOLD_MONITORING_CLEARED,
        "monitored",
        "exited",
        "风险消除",
    )

    status = await harness.sql("SELECT status FROM rm_households WHERE household_id = :h", h=household_id)
    assert [row[0] for row in status] == ["exited"]
    assert await _case_state(harness, case_id) == ["exit_announced"]


async def test_a_monitored_household_may_apply_and_its_return_confirms_the_case(harness: Harness) -> None:
    """A monitored household found poor goes through the procedure; for one that had exited the registry
    answers `returned` (返贫), which confirms the announced case as `registered` would."""
    household_id = await harness.household()
    await harness.sql("UPDATE rm_households SET status = 'monitored' WHERE household_id = :h", h=household_id)
    case_id = await harness.apply(household_id)
    await harness.sql("UPDATE cases SET state = 'announced' WHERE id = :c", c=case_id)
    await _status_changed(
        harness, household_id, registry_contracts.HOUSEHOLD_RETURNED, "monitored", "returned", "识别公告"
    )
    assert await _case_state(harness, case_id) == ["registered"]


async def test_member_updates_reach_the_read_model_and_a_new_head_names_the_household(
    harness: Harness,
) -> None:
    """fupin.registry.member.updated.v1 carries the member as it is now: its health and labour capacity
    (what support categories, exit checks and monitoring read) are kept, and a new head is the name and
    masked ID the public notices show. An update published before events carried the member is skipped."""
    household_id = await harness.household(members=2, name="张三丰")
    rows = await harness.sql(
        "SELECT member_id FROM rm_members WHERE household_id = :h ORDER BY member_id", h=household_id
    )
    heads = await harness.sql(
        "SELECT head_id_masked FROM rm_households WHERE household_id = :h", h=household_id
    )
    old_head_id = heads[0][0]
    assert len(rows) == 2
    # A member becomes head, with a disability that leaves no labour capacity.
    member_id = rows[0][0]

    async def updated(member: registry_contracts.MemberSummaryV1 | None) -> None:
        payload = registry_contracts.MemberUpdatedV1(
            household_id=household_id,
            division=VILLAGE,
            member_id=member_id,
            changed=["health", "labour_capacity", "relation"],
            reason="户主变更",
            member=member,
        )
        await _consume(harness, registry_contracts.MEMBER_UPDATED, payload)

    await updated(None)
    assert await harness.sql("SELECT health FROM rm_members WHERE member_id = :m", m=member_id) == [
        ("healthy",)
    ]

    await updated(
        registry_contracts.MemberSummaryV1(
            member_id=member_id,
            name="李秀英",
            sex="female",
            id_kind="disability_certificate",
            resident_id_masked="520102********0021",
            relation="head",
            health="disabled",
            labour_capacity="none",
            status="active",
        )
    )
    member_rows = await harness.sql(
        "SELECT health, labour_capacity, status FROM rm_members WHERE member_id = :m", m=member_id
    )
    assert [tuple(row) for row in member_rows] == [("disabled", "none", "active")]
    household_rows = await harness.sql(
        "SELECT head_name_masked, head_id_masked FROM rm_households WHERE household_id = :h",
        h=household_id,
    )
    assert [tuple(row) for row in household_rows] == [("李**", "520102********0021")]
    assert old_head_id != "520102********0021"


async def test_corrected_causes_reach_the_read_model(harness: Harness) -> None:
    household_id = await harness.household()
    payload = registry_contracts.HouseholdUpdatedV1(
        household_id=household_id,
        division=VILLAGE,
        version=2,
        changed=["main_cause", "other_causes"],
        reason="洪灾",
        main_cause="disaster",
        other_causes=["illness"],
    )
    await _consume(harness, registry_contracts.HOUSEHOLD_UPDATED, payload)
    rows = await harness.sql(
        "SELECT main_cause, other_causes FROM rm_households WHERE household_id = :h", h=household_id
    )
    assert [tuple(row) for row in rows] == [("disaster", ["illness"])]


async def test_a_registration_recorded_by_hand_keeps_the_year_it_was_decided(harness: Harness) -> None:
    """A county recording a file registered before the platform existed sends the decision's day
    (decided_on): the registration year is that day's, so the household may exit this year."""
    household_id = await harness.household()
    await _status_changed(
        harness,
        household_id,
        registry_contracts.HOUSEHOLD_REGISTERED,
        "candidate",
        "registered",
        "2015年建档立卡补录",
        decided_on=dt.date(2015, 5, 1),
    )
    rows = await harness.sql(
        "SELECT status, registered_year FROM rm_households WHERE household_id = :h", h=household_id
    )
    assert [tuple(row) for row in rows] == [("registered", 2015)]
