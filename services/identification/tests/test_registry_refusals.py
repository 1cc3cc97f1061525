"""The registry's refusal of an announced decision (fupin.registry.household.decision_refused.v1) settles the
case waiting for it: moved to registry_refused (exit_registry_refused) with the registry's reason, or, when
the registry already has the household as the case asked (registering a registered household answers 409
and emits no status event), closed as a confirmation would close it. The county officer's `retry` takes a
refused case back to its announcement and publishes the announcement again for the registry to apply.
Before, the registry only logged its refusal and the case waited at `announced` for good."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from fupin_contracts import identification as id_contracts
from fupin_kit.envelope import new_event
from identification.readmodel import handlers

Harness = Any
VILLAGE = "520102016001"
REFUSED = "fupin.registry.household.decision_refused.v1"


async def _refused(
    harness: Harness,
    case_id: str,
    household_id: uuid.UUID,
    *,
    action: str = "register",
    current_status: str | None = "candidate",
    code: str = "invalid-transition",
    detail: str = "a household in state 'candidate' cannot 'register'",
) -> None:
    """The registry's refusal of the case's announcement, consumed by the read model's handler."""
    now = dt.datetime.now(dt.UTC)
    data = {
        "household_id": str(household_id),
        "division": VILLAGE,
        "case_id": case_id,
        "action": action,
        "decision_type": id_contracts.EXIT_ANNOUNCED if action == "exit" else id_contracts.CASE_ANNOUNCED,
        "current_status": current_status,
        "problem_code": code,
        "detail": detail,
        "decided_at": now.isoformat(),
        "refused_at": now.isoformat(),
    }
    event = new_event(
        service="registry",
        type=REFUSED,
        aggregate="household",
        aggregate_id=str(household_id),
        division=VILLAGE,
        data=data,
    )
    async with harness.app.state.sessionmaker() as session, session.begin():
        await handlers.HANDLERS[REFUSED](session, event)


async def _case(harness: Harness, state: str, kind: str = "identification") -> tuple[str, uuid.UUID]:
    household_id = await harness.household()
    case_id = await harness.apply(household_id)
    await harness.sql("UPDATE cases SET state = :s, kind = :k WHERE id = :c", s=state, k=kind, c=case_id)
    return case_id, household_id


async def _last_history(harness: Harness, case_id: str) -> dict[str, Any]:
    response = await harness.client.get(f"/cases/{case_id}/history", headers=harness.county())
    assert response.status_code == 200, response.text
    entry: dict[str, Any] = response.json()[-1]
    return entry


async def _outbox(harness: Harness) -> list[dict[str, Any]]:
    rows = await harness.sql("SELECT type, payload FROM outbox ORDER BY seq")
    return [{"type": row[0], **row[1]} for row in rows]


async def test_a_refusal_moves_an_announced_case_to_registry_refused_with_the_reason(
    harness: Harness,
) -> None:
    case_id, household_id = await _case(harness, "announced")
    before = len(await _outbox(harness))

    await _refused(harness, case_id, household_id, current_status="monitored")

    assert await harness.state(case_id) == "registry_refused"
    entry = await _last_history(harness, case_id)
    assert (entry["action"], entry["from_state"], entry["to_state"]) == (
        "registry_refuse",
        "announced",
        "registry_refused",
    )
    assert entry["detail"]["problem_code"] == "invalid-transition"
    assert entry["detail"]["household_status"] == "monitored"
    assert "cannot 'register'" in entry["detail"]["reason"]
    (event,) = (await _outbox(harness))[before:]
    assert event["type"] == "fupin.identification.case.registry_refused.v1"
    assert event["data"]["to_state"] == "registry_refused"
    assert "cannot 'register'" in event["data"]["reason"]
    # Only the county's retry leads on.
    case = (await harness.client.get(f"/cases/{case_id}", headers=harness.county())).json()
    assert (case["allowed_actions"], case["permitted_actions"]) == (["retry"], ["retry"])

    # A redelivered (or late) refusal changes nothing more.
    await _refused(harness, case_id, household_id)
    assert len(await _outbox(harness)) == before + 1


async def test_an_exit_refused_waits_at_exit_registry_refused(harness: Harness) -> None:
    case_id, household_id = await _case(harness, "exit_announced", kind="exit")
    await _refused(
        harness,
        case_id,
        household_id,
        action="exit",
        current_status="monitored",
        detail="a household in state 'monitored' cannot 'exit'",
    )
    assert await harness.state(case_id) == "exit_registry_refused"
    types = [event["type"] for event in await _outbox(harness)]
    assert types[-1] == "fupin.identification.exit.registry_refused.v1"


@pytest.mark.parametrize("status", ["registered", "returned"])
async def test_a_refusal_for_a_household_already_registered_closes_the_case(
    harness: Harness, status: str
) -> None:
    case_id, household_id = await _case(harness, "announced")
    await _refused(harness, case_id, household_id, current_status=status)
    assert await harness.state(case_id) == "registered"
    entry = await _last_history(harness, case_id)
    assert (entry["action"], entry["to_state"], entry["detail"]["household_status"]) == (
        "register",
        "registered",
        status,
    )
    assert (await _outbox(harness))[-1]["type"] == "fupin.identification.case.registered.v1"


async def test_a_refusal_for_a_household_already_exited_closes_the_exit(harness: Harness) -> None:
    case_id, household_id = await _case(harness, "exit_announced", kind="exit")
    await _refused(harness, case_id, household_id, action="exit", current_status="exited")
    assert await harness.state(case_id) == "exited"
    assert (await _outbox(harness))[-1]["type"] == "fupin.identification.exit.completed.v1"


async def test_an_unknown_household_refusal_records_no_status(harness: Harness) -> None:
    case_id, household_id = await _case(harness, "announced")
    await _refused(
        harness, case_id, household_id, current_status=None, code="not-found", detail="No such household"
    )
    assert await harness.state(case_id) == "registry_refused"
    entry = await _last_history(harness, case_id)
    assert entry["detail"]["household_status"] is None
    assert "unknown to the registry" in entry["detail"]["reason"]


@pytest.mark.parametrize(
    ("kind", "refused", "announced", "event_type"),
    [
        ("identification", "registry_refused", "announced", id_contracts.CASE_ANNOUNCED),
        ("exit", "exit_registry_refused", "exit_announced", id_contracts.EXIT_ANNOUNCED),
    ],
)
async def test_retry_announces_the_decision_again(
    harness: Harness, kind: str, refused: str, announced: str, event_type: str
) -> None:
    case_id, household_id = await _case(harness, announced, kind=kind)
    await _refused(
        harness,
        case_id,
        household_id,
        action="exit" if kind == "exit" else "register",
        current_status="monitored",
    )
    assert await harness.state(case_id) == refused
    before = len(await _outbox(harness))

    # Not the village's nor the township's step.
    assert (await harness.act(case_id, "retry", harness.village())).status_code == 403
    assert (await harness.act(case_id, "retry", harness.township())).status_code == 403
    response = await harness.client.post(
        f"/cases/{case_id}/actions/retry", json={"reason": "户籍状态已更正"}, headers=harness.county()
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == announced

    (event,) = (await _outbox(harness))[before:]
    assert event["type"] == event_type  # what the registry acts on
    assert event["subject"] == f"case/{case_id}"
    data = event["data"]
    assert (data["action"], data["from_state"], data["to_state"], data["household_id"]) == (
        "retry",
        refused,
        announced,
        str(household_id),
    )
    entry = await _last_history(harness, case_id)
    assert (entry["action"], entry["detail"]["reason"]) == ("retry", "户籍状态已更正")


@pytest.mark.parametrize(
    "state", ["applied", "county_approved", "announced", "registered", "exit_announced", "monitored"]
)
async def test_retry_from_any_other_state_is_out_of_order(harness: Harness, state: str) -> None:
    case_id, _ = await _case(harness, state)
    response = await harness.act(case_id, "retry", harness.county())
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "out-of-order"
