"""The free text of a registry event (a change's `reason`, a new file's `village_group`) carries any
resident ID, mobile number or bank account typed into it masked, as the contract says ("Payloads never
carry a full resident ID"): a domain topic reaches every service's consumers, the dead-letter topic and
the outbox's retention. The history keeps the text as typed. Before, the payloads copied it verbatim
(QA8 events-consumer EC-1)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from fupin_kit.pii import check_digit

VILLAGE = "520102016001"
COUNTY = "520102000000"
TYPED_ID = "52011219700101123" + check_digit("52011219700101123")
MASKED_ID = TYPED_ID[:6] + "*" * 8 + TYPED_ID[-4:]
MOBILE = "13812345678"
MASKED_MOBILE = "138****5678"
REASON = f"户主身份证{TYPED_ID}更正 电话{MOBILE}"
MASKED_REASON = f"户主身份证{MASKED_ID}更正 电话{MASKED_MOBILE}"


def _person(first17: str, name: str, relation: str) -> dict[str, Any]:
    return {
        "name": name,
        "sex": "male",
        "resident_id": first17 + check_digit(first17),
        "relation": relation,
        "health": "healthy",
        "labour_capacity": "ordinary",
    }


def _household() -> dict[str, Any]:
    return {
        "division": VILLAGE,
        "village_group": f"三组 联系{MOBILE}",
        "address": "纪念塔路 2 号",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "members": [_person("52010219750101031", "王五", "head")],
        "registered_on": "2020-01-01",
    }


async def _rows(registry: Any, sql: str) -> list[dict[str, Any]]:
    async with registry.app.state.engine.connect() as connection:
        return [dict(row._mapping) for row in await connection.execute(text(sql))]


async def _event_data(registry: Any) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for row in await _rows(registry, "SELECT type, payload FROM outbox ORDER BY seq"):
        payload = row["payload"] if isinstance(row["payload"], dict) else json.loads(row["payload"])
        found.setdefault(row["type"], []).append(payload["data"])
    return found


async def test_free_text_in_every_registry_event_is_masked(writable_registry) -> None:
    registry = writable_registry
    cadre = registry.auth("village", VILLAGE, ["cadre"])
    officer = registry.auth("county", COUNTY, ["officer"])
    created = await registry.client.post("/households", json=_household(), headers=cadre)
    assert created.status_code == 201, created.text
    hid, head = created.json()["id"], created.json()["members"][0]["id"]

    answers = [
        await registry.client.patch(
            f"/households/{hid}", json={"address": "纪念塔路 3 号", "reason": REASON}, headers=cadre
        ),
        await registry.client.post(
            f"/households/{hid}/status-commands",
            json={"action": "register", "reason": REASON},
            headers=officer,
        ),
        await registry.client.post(
            f"/households/{hid}/members",
            json={
                "change": "move_in",
                "effective_on": "2024-05-01",
                "reason": REASON,
                "member": _person("52010219780101031", "王六", "father"),
            },
            headers=cadre,
        ),
        await registry.client.patch(
            f"/households/{hid}/members/{head}", json={"health": "disabled", "reason": REASON}, headers=cadre
        ),
    ]
    for answer in answers:
        assert answer.status_code in (200, 201), answer.text
    father = next(m["id"] for m in answers[-1].json()["members"] if m["name"] == "王六")
    moved = await registry.client.post(
        f"/households/{hid}/members/{father}/departure",
        json={"change": "move_out", "effective_on": "2024-06-01", "reason": REASON},
        headers=cadre,
    )
    assert moved.status_code == 200, moved.text
    standard = await registry.client.post(
        "/standards",
        json={"kind": "poverty_line", "year": 2020, "region": COUNTY, "amount": "4100", "reason": REASON},
        headers=officer,
    )
    assert standard.status_code == 201, standard.text

    events = await _event_data(registry)
    with_reason = [
        "fupin.registry.household.updated.v1",
        "fupin.registry.household.registered.v1",
        "fupin.registry.member.added.v1",
        "fupin.registry.member.updated.v1",
        "fupin.registry.member.removed.v1",
        "fupin.registry.standard.set.v1",
    ]
    for event_type in with_reason:
        assert [data["reason"] for data in events[event_type]] == [MASKED_REASON], event_type
    assert events["fupin.registry.household.created.v1"][0]["village_group"] == f"三组 联系{MASKED_MOBILE}"
    every_payload = json.dumps(events, ensure_ascii=False)
    assert TYPED_ID not in every_payload and MOBILE not in every_payload

    # The history keeps what the cadre typed (the read path masks it above the county).
    history = await _rows(registry, "SELECT reason FROM household_history WHERE action = 'updated'")
    assert [row["reason"] for row in history] == [REASON]
