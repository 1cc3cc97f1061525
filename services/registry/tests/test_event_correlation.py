"""An event a request causes carries that request's id as its `correlationid` (architecture.md §3), the id
its answer gives in `X-Request-Id`: a single create, and every event of a bulk import, which is applied in
the background after the upload's answer. Before, no event made through the API carried a correlation, so
an operator could not find the events of one call, nor a consumer group them with their reactions (QA7
arch-contracts AC-2)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from fupin_kit.pii import check_digit
from registry.imports import template

VILLAGE = "520102016001"
COUNTY = "520102000000"


def _household() -> dict[str, Any]:
    first17 = "52010219750101031"
    return {
        "division": VILLAGE,
        "village_group": "三组",
        "address": "纪念塔路 2 号",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "members": [
            {
                "name": "王五",
                "sex": "male",
                "resident_id": first17 + check_digit(first17),
                "relation": "head",
                "health": "healthy",
                "labour_capacity": "ordinary",
            }
        ],
        "registered_on": "2020-01-01",
    }


async def _correlations(registry: Any) -> dict[str, set[str | None]]:
    async with registry.app.state.engine.connect() as connection:
        result = await connection.execute(text("SELECT type, payload->>'correlationid' AS c FROM outbox"))
        found: dict[str, set[str | None]] = {}
        for row in result:
            found.setdefault(row.type, set()).add(row.c)
        return found


async def test_a_created_household_s_event_carries_the_request_id(writable_registry) -> None:
    registry = writable_registry
    headers = {**registry.auth("village", VILLAGE, ["cadre"]), "X-Request-Id": "qa7-corr-create-1"}
    created = await registry.client.post("/households", json=_household(), headers=headers)
    assert created.status_code == 201, created.text
    assert created.headers["x-request-id"] == "qa7-corr-create-1"
    assert (await _correlations(registry))["fupin.registry.household.created.v1"] == {"qa7-corr-create-1"}

    # Without an id of the caller's, the one minted for the request (and returned with the answer).
    updated = await registry.client.patch(
        f"/households/{created.json()['id']}",
        json={"address": "纪念塔路 3 号", "reason": "门牌更正"},
        headers=registry.auth("village", VILLAGE, ["cadre"]),
    )
    assert updated.status_code == 200, updated.text
    minted = updated.headers["x-request-id"]
    assert (await _correlations(registry))["fupin.registry.household.updated.v1"] == {minted}


async def test_every_event_of_an_import_carries_the_upload_s_request_id(writable_registry) -> None:
    registry = writable_registry
    headers = {**registry.auth("county", COUNTY, ["officer"]), "X-Request-Id": "qa7-corr-import-1"}
    uploaded = await registry.client.post(
        "/imports", files={"file": ("登记表.csv", template.csv_file(template.EXAMPLE_ROWS))}, headers=headers
    )
    assert uploaded.status_code == 202, uploaded.text
    for _ in range(600):
        state = (await registry.client.get(f"/imports/{uploaded.json()['id']}", headers=headers)).json()
        if state["finished_at"] is not None:
            break
        await asyncio.sleep(0.05)
    assert state["status"] == "accepted", state
    correlations = await _correlations(registry)
    assert correlations["fupin.registry.household.created.v1"] == {"qa7-corr-import-1"}
    assert correlations["fupin.registry.household.income_recorded.v1"] == {"qa7-corr-import-1"}
