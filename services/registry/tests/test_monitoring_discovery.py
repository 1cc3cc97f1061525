"""The registry's events caused by a monitoring case's decisions carry the case's `discovery`, as
identification's own events of the case do: household.monitored (the warning decided) and
household.monitoring_cleared (its risk cleared). The feed policy (`exclude_discovered_by`) withholds above
the county what a department's pushed list caused (discovery department_push); before, the registry's
events carried no discovery and went up to the province and city, telling whoever pushed the list which ID
numbers belong to people in cases."""

from __future__ import annotations

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
MONITORED = "fupin.registry.household.monitored.v1"
CLEARED = "fupin.registry.household.monitoring_cleared.v1"


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


def _monitoring_event(
    event_type: str, case_id: uuid.UUID, household_id: str, action: str, discovery: str | None
) -> Envelope:
    data: dict[str, Any] = {
        "case_id": str(case_id),
        "kind": "monitoring",
        "household_id": household_id,
        "division": VILLAGE,
        "year": 2026,
        "action": action,
        "from_state": "monitor_noticed" if action == "monitor_decide" else "monitored",
        "to_state": "monitored" if action == "monitor_decide" else "cleared",
    }
    if discovery is not None:
        data["discovery"] = discovery
    return Envelope(
        source="/fupin/identification",
        type=event_type,
        subject=f"case/{case_id}",
        division=VILLAGE,
        data=data,
    )


async def _outbox(registry: Any) -> list[dict[str, Any]]:
    async with registry.app.state.engine.connect() as connection:
        result = await connection.execute(text("SELECT type, payload FROM outbox ORDER BY seq"))
        return [{"type": row.type, **row.payload} for row in result]


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


@pytest.mark.parametrize(
    ("serial", "discovery"), [(21, id_contracts.DISCOVERED_BY_PUSH), (22, "cadre_visit"), (23, None)]
)
async def test_the_registry_events_of_a_monitoring_case_carry_its_discovery(
    writable_registry, monkeypatch, serial: int, discovery: str | None
) -> None:
    registry = writable_registry
    monkeypatch.setattr(identification_events, "_cipher", registry.app.state.settings.pii_cipher)
    household_id = await _created(registry, serial)
    case_id = uuid.uuid4()
    before = len(await _outbox(registry))

    decided = id_contracts.MONITORING_DECIDED
    await _handle(registry, _monitoring_event(decided, case_id, household_id, "monitor_decide", discovery))
    cleared = identification_events.MONITORING_CLEARED
    await _handle(registry, _monitoring_event(cleared, case_id, household_id, "clear_risk", discovery))

    events = (await _outbox(registry))[before:]
    assert [event["type"] for event in events] == [MONITORED, CLEARED]
    # A warning nobody's list opened, or one published before events named it, carries no mark to withhold.
    assert [event["data"].get("discovery") for event in events] == [discovery, discovery]


@pytest.mark.parametrize(("serial", "discovery"), [(24, id_contracts.DISCOVERED_BY_PUSH), (25, None)])
async def test_a_county_officers_clear_names_how_the_monitoring_began(
    writable_registry, monkeypatch, serial: int, discovery: str | None
) -> None:
    # The clear by hand is caused by no case; it still must not tell the province of a monitoring whose
    # beginning the province was never shown.
    registry = writable_registry
    monkeypatch.setattr(identification_events, "_cipher", registry.app.state.settings.pii_cipher)
    household_id = await _created(registry, serial)
    decided = id_contracts.MONITORING_DECIDED
    await _handle(
        registry, _monitoring_event(decided, uuid.uuid4(), household_id, "monitor_decide", discovery)
    )
    before = len(await _outbox(registry))

    cleared = await registry.client.post(
        f"/households/{household_id}/status-commands",
        json={"action": "clear", "reason": "核实后风险已消除"},
        headers=registry.auth("county", VILLAGE[:6] + "000000", ["officer"]),
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["status"]["code"] == "candidate"

    events = (await _outbox(registry))[before:]
    assert [event["type"] for event in events] == [CLEARED]
    assert events[0]["data"].get("discovery") == discovery
