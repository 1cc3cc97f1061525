"""The registry's status events in identification's read model. Its `registered` confirmation stamps the
year of the identification that asked for it, so a consumer that sees the event late (after New Year, or
after the test clock moved on) does not make a legitimate exit next year look like "registered this year";
a return to poverty confirms an announced case too; a risk clearance restores a status and confirms none."""

from __future__ import annotations

from typing import Any

from fupin_contracts import registry as registry_contracts
from fupin_kit.envelope import new_event
from identification.readmodel import handlers

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
DAY = 86_400


async def test_late_registered_event_keeps_the_identification_year(harness: Harness) -> None:
    household_id = await harness.household()
    case_id = await harness.apply(household_id, year=2024)
    await harness.sql("UPDATE cases SET state = 'announced' WHERE id = :c", c=case_id)
    # The event is consumed more than a year after the announcement.
    await harness.advance_clock(400 * DAY)
    payload = registry_contracts.HouseholdStatusChangedV1(
        household_id=household_id,
        division=VILLAGE,
        version=2,
        from_status="candidate",
        to_status="registered",
        reason="县级公告",
    )
    event = new_event(
        service="registry",
        type=registry_contracts.HOUSEHOLD_REGISTERED,
        aggregate="household",
        aggregate_id=str(household_id),
        division=VILLAGE,
        data=payload.model_dump(mode="json"),
    )
    async with harness.app.state.sessionmaker() as session, session.begin():
        await handlers.on_status_changed(session, event)

    rows = await harness.sql(
        "SELECT status, registered_year FROM rm_households WHERE household_id = :h", h=household_id
    )
    assert [tuple(row) for row in rows] == [("registered", 2024)]
    state = await harness.sql("SELECT state FROM cases WHERE id = :c", c=case_id)
    assert [row[0] for row in state] == ["registered"]


async def test_risk_cleared_back_to_exited_sets_the_status_and_confirms_no_exit(harness: Harness) -> None:
    """fupin.registry.household.monitoring_cleared.v1 restores the status before monitoring; an exit case
    awaiting the registry's `exited` confirmation is not closed by it."""
    household_id = await harness.household()
    case_id = await harness.apply(household_id, year=2024)
    await harness.sql("UPDATE cases SET state = 'exit_announced' WHERE id = :c", c=case_id)
    await harness.sql("UPDATE rm_households SET status = 'monitored' WHERE household_id = :h", h=household_id)
    payload = registry_contracts.HouseholdStatusChangedV1(
        household_id=household_id,
        division=VILLAGE,
        version=5,
        from_status="monitored",
        to_status="exited",
        reason="风险消除",
    )
    event = new_event(
        service="registry",
        type=registry_contracts.HOUSEHOLD_MONITORING_CLEARED,
        aggregate="household",
        aggregate_id=str(household_id),
        division=VILLAGE,
        data=payload.model_dump(mode="json"),
    )
    async with harness.app.state.sessionmaker() as session, session.begin():
        await handlers.HANDLERS[registry_contracts.HOUSEHOLD_MONITORING_CLEARED](session, event)

    status = await harness.sql("SELECT status FROM rm_households WHERE household_id = :h", h=household_id)
    assert [row[0] for row in status] == ["exited"]
    state = await harness.sql("SELECT state FROM cases WHERE id = :c", c=case_id)
    assert [row[0] for row in state] == ["exit_announced"]


async def test_a_monitored_household_may_apply_and_its_return_confirms_the_case(harness: Harness) -> None:
    """A monitored household found poor goes through the procedure; for one that had exited the registry
    answers `returned` (返贫), which confirms the announced case as `registered` would."""
    household_id = await harness.household()
    await harness.sql("UPDATE rm_households SET status = 'monitored' WHERE household_id = :h", h=household_id)
    case_id = await harness.apply(household_id, year=2024)
    await harness.sql("UPDATE cases SET state = 'announced' WHERE id = :c", c=case_id)
    payload = registry_contracts.HouseholdStatusChangedV1(
        household_id=household_id,
        division=VILLAGE,
        version=7,
        from_status="monitored",
        to_status="returned",
        reason="识别公告",
    )
    event = new_event(
        service="registry",
        type=registry_contracts.HOUSEHOLD_RETURNED,
        aggregate="household",
        aggregate_id=str(household_id),
        division=VILLAGE,
        data=payload.model_dump(mode="json"),
    )
    async with harness.app.state.sessionmaker() as session, session.begin():
        await handlers.on_status_changed(session, event)
    state = await harness.sql("SELECT state FROM cases WHERE id = :c", c=case_id)
    assert [row[0] for row in state] == ["registered"]
