"""The registry's reaction to an identification decision names its cause: the household.registered event
carries the decision's id as `causationid` and its correlation (or, when it has none, its id) as
`correlationid`, so that a consumer reading both can tell a reaction from its cause whatever order they
arrive in (QA6 events-feeds §2: neither attribute was ever set; 77 of 200 registrations were on the feed
before the announcement that caused them). A change a person makes has no cause."""

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


def _household() -> dict[str, Any]:
    first17 = "52010219800101031"
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


async def _events(registry: Any) -> list[dict[str, Any]]:
    async with registry.app.state.engine.connect() as connection:
        result = await connection.execute(text("SELECT type, payload FROM outbox ORDER BY seq"))
        return [{"type": row.type, **row.payload} for row in result]


@pytest.mark.parametrize("correlation", [None, "c0ffee00-0000-4000-8000-000000000001"])
async def test_a_registration_caused_by_an_announcement_names_it(
    writable_registry, monkeypatch, correlation: str | None
) -> None:
    registry = writable_registry
    monkeypatch.setattr(identification_events, "_cipher", registry.app.state.settings.pii_cipher)
    created = await registry.client.post(
        "/households", json=_household(), headers=registry.auth("village", VILLAGE, ["cadre"])
    )
    assert created.status_code == 201, created.text
    case_id = uuid.uuid4()
    announced = Envelope(
        source="/fupin/identification",
        type=id_contracts.CASE_ANNOUNCED,
        subject=f"case/{case_id}",
        division=VILLAGE,
        correlationid=correlation,
        data={
            "case_id": str(case_id),
            "kind": "identification",
            "household_id": created.json()["id"],
            "division": VILLAGE,
            "year": 2026,
            "action": "announce",
            "from_state": "second_noticed",
            "to_state": "announced",
        },
    )
    # As the registry's consumer applies it (fupin_kit.consumer): the event is the cause of what it does.
    async with registry.app.state.sessionmaker() as session, session.begin():
        with caused_by(announced):
            await identification_events.HANDLERS[announced.type](session, announced)

    events = await _events(registry)
    (registered,) = [event for event in events if event["type"] == "fupin.registry.household.registered.v1"]
    assert registered["causationid"] == str(announced.id)
    assert registered["correlationid"] == (correlation or str(announced.id))
    (made,) = [event for event in events if event["type"] == "fupin.registry.household.created.v1"]
    # Made by a request: no cause, and the request's id as its correlation (test_event_correlation.py).
    assert "causationid" not in made and made["correlationid"] == created.headers["x-request-id"]
