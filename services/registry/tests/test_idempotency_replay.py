"""An Idempotency-Key's stored answer is replayed only to the powers it was computed for: a token of the
same subject with another jurisdiction, tier or roles is another request (422), never given the first
answer (QA6 api-robustness §3: a city reader, a viewer and another county's officer got the first answer,
resident ID and bank account unmasked)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from fupin_kit.pii import check_digit

VILLAGE = "520102016001"  # 纪念塔社区, 南明区
COUNTY = "520102000000"
CITY = "520100000000"
OTHER_COUNTY_VILLAGE = "520103019001"
VILLAGE_IMPORT = "6f1c2b9e-1d5a-4c1e-9a51-2f1b7f3f0c11"  # no such import: the cursor is refused first


def _resident_id(serial: int) -> str:
    first17 = f"52010219800101{serial:03d}"
    return first17 + check_digit(first17)


def household(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "division": VILLAGE,
        "village_group": "三组",
        "address": "纪念塔路 1 号",
        "phone": "13800000000",
        "bank_name": "农村信用社",
        "bank_account": "6228480012345678",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "members": [
            {
                "name": "张三",
                "sex": "male",
                "resident_id": _resident_id(fields.pop("serial", 11)),
                "relation": "head",
                "health": "healthy",
                "labour_capacity": "ordinary",
            }
        ],
        "registered_on": "2020-01-01",
    }
    return body | fields


def auth(registry: Any, tier: str, division: str, roles: list[str] | None = None) -> dict[str, str]:
    headers: dict[str, str] = registry.auth(tier, division, roles or ["cadre"])
    return headers


async def households(registry: Any) -> int:
    async with registry.app.state.sessionmaker() as session:
        return int((await session.execute(text("SELECT count(*) FROM households"))).scalar_one())


async def test_a_replay_with_other_powers_is_another_request(writable_registry) -> None:
    registry = writable_registry
    body = household()
    key = {"Idempotency-Key": "k-powers"}
    first = await registry.client.post(
        "/households", json=body, headers={**auth(registry, "village", VILLAGE), **key}
    )
    assert first.status_code == 201, first.text
    full_id = body["members"][0]["resident_id"]
    assert first.json()["members"][0]["resident_id"] == full_id  # the village reads its own file in full

    others = [
        auth(registry, "city", CITY, ["officer"]),  # masked above the county tier
        auth(registry, "village", VILLAGE, ["viewer"]),  # no write role
        auth(registry, "village", OTHER_COUNTY_VILLAGE),  # another county
        auth(registry, "county", COUNTY, ["cadre", "officer"]),
    ]
    for headers in others:
        replay = await registry.client.post("/households", json=body, headers={**headers, **key})
        assert replay.status_code == 422, replay.text
        assert full_id not in replay.text
    same = await registry.client.post(
        "/households", json=body, headers={**auth(registry, "village", VILLAGE), **key}
    )
    assert same.status_code == 201 and same.json() == first.json()
    assert await households(registry) == 1


async def test_a_report_cursor_beyond_any_row_number_is_refused(writable_registry) -> None:
    """Row numbers are int4: a larger cursor was bound to an int4 parameter and asyncpg refused to encode it,
    a 500 (QA6 api-robustness §2). It is outside the documented range, so 422 before any lookup."""
    registry = writable_registry
    headers = auth(registry, "county", COUNTY, ["officer"])
    for after_row in ("2147483648", "63835054740", "9223372036854775808"):
        answer = await registry.client.get(
            f"/imports/{VILLAGE_IMPORT}/report", params={"after_row": after_row}, headers=headers
        )
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")


async def test_an_income_put_again_unchanged_is_no_new_version(writable_registry) -> None:
    """PUT is idempotent (RFC 9110): the same year's figures sent again, without a key, write no version,
    history row or event (QA6 api-robustness §5: 20 identical PUTs made 20 versions and 20 events). A
    correction is still one."""
    registry = writable_registry
    created = await registry.client.post(
        "/households", json=household(serial=21), headers=auth(registry, "village", VILLAGE)
    )
    assert created.status_code == 201, created.text
    hid = created.json()["id"]
    county = auth(registry, "county", COUNTY, ["officer"])
    answers = [
        await registry.client.put(f"/households/{hid}/incomes/2025", json=body, headers=county)
        for body in ({"wage": "3000"}, {"wage": "3000.00"}, {"wage": "3000", "transfer": "0"})
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200], answers[-1].text
    assert answers[1].json() == answers[0].json() == answers[2].json()
    corrected = await registry.client.put(
        f"/households/{hid}/incomes/2025", json={"wage": "3200"}, headers=county
    )
    assert corrected.status_code == 200 and corrected.json()["per_capita_net_income"] == "3200.00"
    async with registry.app.state.engine.connect() as connection:
        actions = (
            (
                await connection.execute(
                    text("SELECT action FROM household_history WHERE household_id = :h ORDER BY at"),
                    {"h": hid},
                )
            )
            .scalars()
            .all()
        )
        version = (await connection.execute(text("SELECT version FROM households"))).scalar_one()
    assert actions == ["created", "income.recorded", "income.recorded"]
    assert version == 3
