"""QA9-L4 (lifecycle pass of 2026-11-28): a county officer's register, return or monitor of a household
nobody lives in any more is refused with the problem code identification gives the same refusal
(no-living-members), so the console says it in the reader's language."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from sqlalchemy import text

from fupin_kit.pii import check_digit

VILLAGE = "520102016001"
COUNTY = "520102000000"

_serial = itertools.count(1)


def _resident_id() -> str:
    """A valid 18-digit ID, unique per call."""
    first17 = f"52010219810101{next(_serial) * 2 + 1:03d}"
    return first17 + check_digit(first17)


def _household() -> dict[str, Any]:
    return {
        "division": VILLAGE,
        "village_group": "三组",
        "address": "纪念塔路 9 号",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "registered_on": "2020-01-01",
        "members": [
            {
                "name": "张三",
                "sex": "male",
                "resident_id": _resident_id(),
                "relation": "head",
                "health": "healthy",
                "labour_capacity": "ordinary",
            }
        ],
    }


async def _command(registry: Any, household_id: str, action: str) -> Any:
    return await registry.client.post(
        f"/households/{household_id}/status-commands",
        json={"action": action, "reason": f"{action} per county decision"},
        headers=registry.auth("county", COUNTY, ["officer"]),
    )


async def _registered_last_year(registry: Any, household_id: str) -> None:
    """The history moved a year back, so the household may exit this year (not in its registration year)."""
    async with registry.app.state.engine.begin() as connection:
        await connection.execute(
            text("UPDATE household_history SET at = at - interval '1 year' WHERE household_id = :h"),
            {"h": uuid.UUID(household_id)},
        )


async def test_an_empty_household_is_refused_with_the_no_living_members_code(writable_registry: Any) -> None:
    registry = writable_registry
    village = registry.auth("village", VILLAGE, ["cadre"])
    answer = await registry.client.post("/households", json=_household(), headers=village)
    assert answer.status_code == 201, answer.text
    hid, head = answer.json()["id"], answer.json()["members"][0]["id"]
    assert (await _command(registry, hid, "register")).status_code == 200
    await _registered_last_year(registry, hid)
    assert (await _command(registry, hid, "exit")).status_code == 200
    died = await registry.client.post(
        f"/households/{hid}/members/{head}/death",
        json={"died_on": "2024-06-01", "reason": "病故"},
        headers=village,
    )
    assert died.status_code == 200, died.text
    for action in ("return", "monitor"):
        refused = await _command(registry, hid, action)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "no-living-members", refused.text
        assert f"nobody to {action}" in refused.json()["detail"]
