"""An identification decision the registry refuses (the household's status was changed by hand meanwhile, or
the household is unknown) is answered with fupin.registry.household.decision_refused.v1 in the handler's
transaction: which case, what it asked for, the household's status now and the problem's code and detail,
naming the decision as its causation. Before, the handler only logged a warning, so identification's case
waited at `announced` / `exit_announced` for a confirmation that never came. Nothing else changes: no
status, version or history row. A monitoring decision refused stays a warning only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from fupin_contracts import identification as id_contracts
from fupin_kit.envelope import Envelope
from fupin_kit.pii import check_digit
from fupin_kit.request_context import caused_by
from registry.handlers import identification_events

VILLAGE = "520102016001"
COUNTY = "520102000000"
REFUSED = "fupin.registry.household.decision_refused.v1"


def _household(serial: int) -> dict[str, Any]:
    first17 = f"52010219800101{serial:02d}1"
    return {
        "division": VILLAGE,
        "village_group": "三组",
        "address": "纪念塔路 1 号",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "members": [
            {
                "name": "张三",
                "sex": "male",
                "resident_id": first17 + check_digit(first17),
                "relation": "head",
                "health": "healthy",
                "labour_capacity": "ordinary",
            }
        ],
        "registered_on": "2020-01-01",
    }


def _decision(event_type: str, household_id: str, correlation: str | None = None) -> Envelope:
    case_id = uuid.uuid4()
    kind = "exit" if event_type == id_contracts.EXIT_ANNOUNCED else "identification"
    return Envelope(
        source="/fupin/identification",
        type=event_type,
        subject=f"case/{case_id}",
        division=VILLAGE,
        correlationid=correlation,
        data={
            "case_id": str(case_id),
            "kind": kind,
            "household_id": household_id,
            "division": VILLAGE,
            "year": 2026,
            "action": "exit_announce" if kind == "exit" else "announce",
            "from_state": "exit_noticed" if kind == "exit" else "county_approved",
            "to_state": "exit_announced" if kind == "exit" else "announced",
        },
    )


async def _outbox(registry: Any) -> list[dict[str, Any]]:
    async with registry.app.state.engine.connect() as connection:
        result = await connection.execute(text("SELECT type, payload FROM outbox ORDER BY seq"))
        return [{"type": row.type, **row.payload} for row in result]


async def _file(registry: Any, household_id: str) -> tuple[Any, ...]:
    async with registry.app.state.engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT status, version, (SELECT count(*) FROM household_history WHERE household_id = :h)"
                    " FROM households WHERE id = :h"
                ),
                {"h": household_id},
            )
        ).one()
        return tuple(row)


async def _handle(registry: Any, event: Envelope) -> None:
    """As the registry's consumer applies it: in its own transaction, with the event as the cause."""
    async with registry.app.state.sessionmaker() as session, session.begin():
        with caused_by(event):
            await identification_events.HANDLERS[event.type](session, event)


async def _created(registry: Any, serial: int) -> str:
    created = await registry.client.post(
        "/households", json=_household(serial), headers=registry.auth("village", VILLAGE, ["cadre"])
    )
    assert created.status_code == 201, created.text
    household_id: str = created.json()["id"]
    return household_id


async def _by_hand(registry: Any, household_id: str, action: str) -> None:
    answer = await registry.client.post(
        f"/households/{household_id}/status-commands",
        json={"action": action, "reason": "县级人工更正"},
        headers=registry.auth("county", COUNTY, ["officer"]),
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("correlation", [None, "c0ffee00-0000-4000-8000-000000000002"])
async def test_an_exit_refused_after_a_change_by_hand_is_announced_with_its_cause(
    writable_registry, monkeypatch, correlation: str | None
) -> None:
    registry = writable_registry
    monkeypatch.setattr(identification_events, "_cipher", registry.app.state.settings.pii_cipher)
    household_id = await _created(registry, 11)
    # The file is still a candidate (never registered): an exit is refused (409 invalid-transition).
    decision = _decision(id_contracts.EXIT_ANNOUNCED, household_id, correlation)
    before_events = len(await _outbox(registry))
    before = await _file(registry, household_id)

    await _handle(registry, decision)

    assert await _file(registry, household_id) == before  # no status, version or history row
    events = (await _outbox(registry))[before_events:]
    assert [event["type"] for event in events] == [REFUSED]
    (refused,) = events
    assert refused["causationid"] == str(decision.id)
    assert refused["correlationid"] == (correlation or str(decision.id))
    assert refused["division"] == VILLAGE
    assert refused["subject"] == f"household/{household_id}"
    data = refused["data"]
    assert data["household_id"] == household_id
    assert data["case_id"] == decision.data["case_id"]
    assert data["division"] == VILLAGE
    assert data["action"] == "exit"
    assert data["decision_type"] == id_contracts.EXIT_ANNOUNCED
    assert data["current_status"] == "candidate"
    assert data["problem_code"] == "invalid-transition"
    assert "cannot 'exit'" in data["detail"]
    assert dt.datetime.fromisoformat(data["refused_at"]) >= dt.datetime.fromisoformat(data["decided_at"])


async def test_a_registration_of_a_household_registered_by_hand_is_refused_naming_its_status(
    writable_registry, monkeypatch
) -> None:
    """REGISTER on a registered household answers 409 (and its RETURN fallback too): the refusal says the
    household is registered, what the case asked for, so identification can close the case."""
    registry = writable_registry
    monkeypatch.setattr(identification_events, "_cipher", registry.app.state.settings.pii_cipher)
    household_id = await _created(registry, 12)
    await _by_hand(registry, household_id, "register")
    before_events = len(await _outbox(registry))
    before = await _file(registry, household_id)

    decision = _decision(id_contracts.CASE_ANNOUNCED, household_id)
    await _handle(registry, decision)

    assert await _file(registry, household_id) == before
    events = (await _outbox(registry))[before_events:]
    assert [event["type"] for event in events] == [REFUSED]
    data = events[0]["data"]
    assert (data["action"], data["current_status"], data["problem_code"]) == (
        "register",
        "registered",
        "invalid-transition",
    )
    # The answer to the decision's own action, not to the return-to-poverty tried after it.
    assert "cannot 'register'" in data["detail"]
    assert events[0]["causationid"] == str(decision.id)


async def test_a_decision_for_an_unknown_household_is_refused_without_a_status(
    writable_registry, monkeypatch
) -> None:
    registry = writable_registry
    monkeypatch.setattr(identification_events, "_cipher", registry.app.state.settings.pii_cipher)
    before_events = len(await _outbox(registry))
    unknown = str(uuid.uuid4())
    decision = _decision(id_contracts.CASE_ANNOUNCED, unknown)

    await _handle(registry, decision)

    events = (await _outbox(registry))[before_events:]
    assert [event["type"] for event in events] == [REFUSED]
    data = events[0]["data"]
    assert (data["household_id"], data["current_status"], data["problem_code"]) == (
        unknown,
        None,
        "not-found",
    )


async def test_a_refused_monitoring_decision_stays_a_warning(writable_registry, monkeypatch) -> None:
    registry = writable_registry
    monkeypatch.setattr(identification_events, "_cipher", registry.app.state.settings.pii_cipher)
    household_id = await _created(registry, 13)
    await _by_hand(registry, household_id, "register")
    before_events = len(await _outbox(registry))
    decision = _decision(id_contracts.MONITORING_DECIDED, household_id)

    await _handle(registry, decision)

    assert (await _outbox(registry))[before_events:] == []
