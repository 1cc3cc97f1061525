"""Households (建档立卡) and members on real PostgreSQL, through the registry's HTTP API."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import uuid
from typing import Any

from sqlalchemy import text

from fupin_kit.civil_time import china_today
from fupin_kit.pii import check_digit

VILLAGE = "520102016001"  # 纪念塔社区
SIBLING = "520102016002"  # same township
TOWNSHIP = "520102016000"
COUSIN_TOWNSHIP = "520102017000"
COUSIN = "520102017001"  # another township of the same county
COUNTY = "520102000000"  # 南明区
OTHER_COUNTY_VILLAGE = "520103019001"
CITY = "520100000000"
PROVINCE = "520000000000"
BEIJING_VILLAGE = "110101001001"
BEIJING_COUNTY = "110101000000"

_serial = itertools.count(1)


def resident_id(male: bool = True, birth: str = "19800101", region: str = "520102") -> str:
    """A valid 18-digit ID, unique per call (sequence digits: odd for men, even for women)."""
    n = next(_serial)
    sequence = f"{(n * 2 + (1 if male else 0)) % 1000:03d}"
    birth = f"{int(birth[:4]) + n // 500:04d}{birth[4:]}"
    first17 = f"{region}{birth}{sequence}"
    return first17 + check_digit(first17)


def member(relation: str = "head", male: bool = True, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "张三" if male else "李四",
        "sex": "male" if male else "female",
        "resident_id": resident_id(male),
        "relation": relation,
        "health": "healthy",
        "labour_capacity": "ordinary",
    }
    body.update(fields)
    return body


def household(
    division: str = VILLAGE, members: list[dict[str, Any]] | None = None, **fields: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "division": division,
        "village_group": "三组",
        "address": "纪念塔路 1 号",
        "head_name": "张三",
        "phone": "13800000000",
        "bank_name": "农村信用社",
        "bank_account": "6228480012345678",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "other_causes": ["lack_capital"],
        "living": {"housing_area": "60.5", "housing_safety_grade": "C", "drinking_water": "difficult"},
        "members": members or [member(), member("spouse", male=False)],
        "registered_on": "2020-01-01",
    }
    body.update(fields)
    return body


def auth(registry, tier: str, division: str, roles: list[str] | None = None) -> dict[str, str]:
    headers: dict[str, str] = registry.auth(tier, division, roles or ["cadre"])
    return headers


async def create(registry, body: dict[str, Any], tier: str = "village", division: str | None = None):
    return await registry.client.post(
        "/households", json=body, headers=auth(registry, tier, division or body["division"])
    )


async def created(registry, body: dict[str, Any], tier: str = "village") -> dict[str, Any]:
    response = await create(registry, body, tier)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def command(
    registry, household_id: str, action: str, roles: list[str] | None = None, division: str = COUNTY
):
    return await registry.client.post(
        f"/households/{household_id}/status-commands",
        json={"action": action, "reason": f"{action} per county decision"},
        headers=auth(registry, "county", division, roles or ["officer"]),
    )


async def registered_last_year(registry, household_id: str) -> None:
    """The household's history so far, its registration included, moved a year back: as if it had been
    registered last year, so it may exit this year (never in the year it was registered, domain.md §4)."""
    async with registry.app.state.engine.begin() as connection:
        await connection.execute(
            text("UPDATE household_history SET at = at - interval '1 year' WHERE household_id = :h"),
            {"h": uuid.UUID(household_id)},
        )


async def add_member(
    registry,
    household_id: str,
    change: str,
    on: str,
    person: dict[str, Any],
    headers: dict[str, str],
    reason: str = "x",
):
    """POST /households/{id}/members: a person joining by `change` (birth, marriage_in, move_in…) on `on`."""
    return await registry.client.post(
        f"/households/{household_id}/members",
        json={"change": change, "effective_on": on, "reason": reason, "member": person},
        headers=headers,
    )


async def rows(registry, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with registry.app.state.engine.connect() as connection:
        result = await connection.execute(text(sql), params)
        return [dict(row._mapping) for row in result]


async def outbox(registry) -> list[dict[str, Any]]:
    return await rows(registry, "SELECT type, division, aggregateid, payload FROM outbox ORDER BY seq")


# ---- creation, codes, validation -----------------------------------------------------------------------


async def test_create_returns_codes_with_labels_and_records_history_and_event(writable_registry) -> None:
    registry = writable_registry
    body = household()
    data = await created(registry, body)
    assert data["division"] == VILLAGE
    assert data["status"] == {"code": "candidate", "label": "待识别"}
    assert data["status_colour"] is None
    assert data["main_cause"] == {"code": "illness", "label": "因病"}
    assert data["other_causes"] == [{"code": "lack_capital", "label": "缺资金"}]
    assert data["attribute"]["label"] == "一般贫困户"
    assert data["identification_standard"]["label"] == "国家标准"
    assert data["living"]["housing_safety_grade"]["code"] == "C"
    assert data["member_count"] == 2
    head = data["members"][0]
    assert head["relation"] == {"code": "head", "label": "户主"}
    assert head["labour_capacity"]["label"] == "普通劳动力"
    # The village tier sees full IDs and the bank account.
    assert head["resident_id"] == body["members"][0]["resident_id"]
    assert data["bank_account"] == body["bank_account"]

    stored = await rows(registry, "SELECT id_cipher, person_index, id_masked FROM household_members")
    assert len(stored) == 2
    plain = {m["resident_id"].encode() for m in body["members"]}
    assert all(row["id_cipher"] not in plain and row["person_index"] not in plain for row in stored)
    cipher = await rows(registry, "SELECT bank_account_cipher FROM households")
    assert body["bank_account"].encode() not in cipher[0]["bank_account_cipher"]

    events = await outbox(registry)
    assert [event["type"] for event in events] == ["fupin.registry.household.created.v1"]
    assert events[0]["division"] == VILLAGE and events[0]["aggregateid"] == data["id"]
    assert events[0]["payload"]["division"] == VILLAGE
    dumped = json.dumps(events[0]["payload"])
    assert all(m["resident_id"] not in dumped for m in body["members"])
    masked = events[0]["payload"]["data"]["members"][0]["resident_id_masked"]
    assert masked.startswith(body["members"][0]["resident_id"][:6]) and "*" in masked

    lists = await registry.client.get("/households/code-lists", headers=auth(registry, "village", VILLAGE))
    assert {"code": "self_motivation", "label": "自身发展动力不足"} not in lists.json()["cause"]
    assert {"code": "low_motivation", "label": "自身发展动力不足"} in lists.json()["cause"]
    assert [c["label"] for c in lists.json()["health"]] == ["健康", "长期慢性病", "患有大病", "残疾"]


async def test_disability_certificate_instead_of_resident_id(writable_registry) -> None:
    registry = writable_registry
    pid = resident_id()
    certificate = pid + "21"
    body = household(
        members=[member(resident_id=None, disability_certificate=certificate, health="disabled")]
    )
    data = await created(registry, body)
    assert data["members"][0]["id_kind"]["code"] == "disability_certificate"
    assert data["members"][0]["resident_id"] == certificate
    # The certificate embeds the resident ID: the same person cannot be registered again by ID.
    again = await create(registry, household(members=[member(resident_id=pid)]))
    assert again.status_code == 409


async def test_bad_resident_id_is_422_and_writes_nothing(writable_registry) -> None:
    registry = writable_registry
    good = resident_id()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    bad_date_first17 = "520102" + "19800231" + "001"
    bad_date = bad_date_first17 + check_digit(bad_date_first17)
    for bad in (wrong_check, bad_date, "52010219800101001", "abc"):
        response = await create(registry, household(members=[member(resident_id=bad)]))
        assert response.status_code == 422, bad
        assert response.headers["content-type"].startswith("application/problem+json")
        assert bad not in response.text
    wrong_sex = await create(registry, household(members=[member(resident_id=resident_id(male=False))]))
    assert wrong_sex.status_code == 422
    assert await rows(registry, "SELECT id FROM households") == []
    assert await rows(registry, "SELECT id FROM household_members") == []
    assert await outbox(registry) == []


async def test_cause_rules(writable_registry) -> None:
    registry = writable_registry
    cases: list[dict[str, Any]] = [
        {"other_causes": ["lack_capital", "lack_skills", "disaster"]},
        {"other_causes": ["lack_capital", "lack_capital"]},
        {"other_causes": ["illness"]},
        {"main_cause": None},
        {"main_cause": "poverty"},
    ]
    for fields in cases:
        response = await create(registry, household(**fields))
        assert response.status_code == 422, fields
    ok = await created(registry, household(other_causes=["lack_capital", "lack_skills"]))
    headers = auth(registry, "village", VILLAGE)
    patch = await registry.client.patch(
        f"/households/{ok['id']}", json={"main_cause": "lack_skills", "reason": "复核"}, headers=headers
    )
    assert patch.status_code == 422
    patch = await registry.client.patch(
        f"/households/{ok['id']}", json={"other_causes": ["disaster"]}, headers=headers
    )
    assert patch.status_code == 422  # a change needs a reason
    patch = await registry.client.patch(
        f"/households/{ok['id']}",
        json={"main_cause": "disaster", "other_causes": ["illness"], "reason": "洪灾"},
        headers=headers,
    )
    assert patch.status_code == 200, patch.text
    assert patch.json()["main_cause"]["label"] == "因灾"
    assert patch.json()["version"] == 2
    # The event carries the causes as they now are (identification suggests support categories from them).
    updated = (await outbox(registry))[-1]["payload"]
    assert updated["type"] == "fupin.registry.household.updated.v1"
    assert (updated["data"]["main_cause"], updated["data"]["other_causes"]) == ("disaster", ["illness"])


async def test_head_name_is_the_head_members_name(writable_registry) -> None:
    """head_name and the member whose relation is head name one person: taken from the head when omitted,
    refused on its own field when it names somebody else (the import refuses the same: test_imports)."""
    registry = writable_registry
    omitted = household(members=[member(name="王建国"), member("spouse", male=False)])
    del omitted["head_name"]
    derived = await created(registry, omitted)
    assert derived["head_name"] == "王建国"

    before = await rows(registry, "SELECT count(*) AS n FROM households")
    other = household(members=[member(name="王建国"), member("spouse", male=False)], head_name="王五")
    refused = await create(registry, other)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [error["loc"] for error in refused.json()["errors"]] == [["body", "head_name"]]
    assert "head_name" in refused.json()["detail"]
    assert await rows(registry, "SELECT count(*) AS n FROM households") == before

    same = await created(registry, household(members=[member(name="王五")], head_name=" 王五 "))
    assert same["head_name"] == "王五"


async def test_village_level_code_required(writable_registry) -> None:
    registry = writable_registry
    for division in (TOWNSHIP, "520102016999"):  # a township; an unknown village code
        response = await create(registry, household(division=division), tier="county", division=COUNTY)
        assert response.status_code == 422, division


# ---- one person, one household -------------------------------------------------------------------------


async def test_duplicate_person_refused_across_provinces_without_revealing_the_other(
    writable_registry,
) -> None:
    registry = writable_registry
    person = member(name="王五")
    first = await created(registry, household(members=[person], head_name="王五"))
    other = household(division=BEIJING_VILLAGE, members=[member(), {**person, "relation": "spouse"}])
    response = await create(registry, other)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.text
    for secret in (first["id"], VILLAGE, "520102016", "王五", "纪念塔", person["resident_id"]):
        assert secret not in body
    assert await rows(registry, "SELECT id FROM households WHERE division = :d", d=BEIJING_VILLAGE) == []

    # Adding the person as a member of another household is refused the same way.
    beijing = await created(registry, household(division=BEIJING_VILLAGE, members=[member()]))
    beijing_cadre = auth(registry, "village", BEIJING_VILLAGE)
    spouse = {**person, "relation": "spouse"}
    join = await add_member(
        registry, beijing["id"], "marriage_in", "2024-05-01", spouse, beijing_cadre, "婚入"
    )
    assert join.status_code == 409
    assert first["id"] not in join.text and VILLAGE not in join.text

    # Once the person has moved out, the other household may take them in.
    moved = await registry.client.post(
        f"/households/{first['id']}/members/{first['members'][0]['id']}/departure",
        json={"change": "marriage_out", "effective_on": "2024-05-01", "reason": "婚出"},
        headers=auth(registry, "village", VILLAGE),
    )
    assert moved.status_code == 200, moved.text
    join = await add_member(
        registry, beijing["id"], "marriage_in", "2024-05-02", spouse, beijing_cadre, "婚入"
    )
    assert join.status_code == 201, join.text


async def test_concurrent_duplicates_exactly_one_succeeds(writable_registry) -> None:
    registry = writable_registry
    person = member()
    bodies = [
        household(members=[person]),
        household(division=SIBLING, members=[member(), {**person, "relation": "son"}]),
    ]
    responses = await asyncio.gather(
        *(create(registry, body, tier="township", division=TOWNSHIP) for body in bodies)
    )
    assert sorted(response.status_code for response in responses) == [201, 409]
    assert len(await rows(registry, "SELECT id FROM households")) == 1
    assert len(await outbox(registry)) == 1


# ---- members -------------------------------------------------------------------------------------------


async def test_member_changes_are_explicit_operations_with_history_and_events(writable_registry) -> None:
    registry = writable_registry
    headers = auth(registry, "village", VILLAGE)
    data = await created(
        registry, household(members=[member(), member("spouse", male=False), member("father")])
    )
    hid = data["id"]
    father = data["members"][2]["id"]
    baby = member(
        "son", resident_id=resident_id(birth="20240301"), labour_capacity="none", education="preschool"
    )
    born = await add_member(registry, hid, "birth", "2024-03-01", baby, headers, "新生儿")
    assert born.status_code == 201, born.text
    assert born.json()["member_count"] == 4
    bad = await add_member(registry, hid, "death", "2024-03-01", member("son"), headers)
    assert bad.status_code == 422
    second_head = await add_member(registry, hid, "move_in", "2024-03-01", member("head"), headers, "迁入")
    assert second_head.status_code == 409

    died = await registry.client.post(
        f"/households/{hid}/members/{father}/death",
        json={"died_on": "2024-06-01", "reason": "病故"},
        headers=headers,
    )
    assert died.status_code == 200, died.text
    dead = next(m for m in died.json()["members"] if m["id"] == father)
    assert dead["status"]["code"] == "deceased" and dead["left_on"] == "2024-06-01"
    assert died.json()["member_count"] == 3
    again = await registry.client.post(
        f"/households/{hid}/members/{father}/death",
        json={"died_on": "2024-06-01", "reason": "病故"},
        headers=headers,
    )
    assert again.status_code == 409
    edit = await registry.client.patch(
        f"/households/{hid}/members/{data['members'][1]['id']}",
        json={"health": "serious_illness", "reason": "确诊"},
        headers=headers,
    )
    assert edit.status_code == 200 and edit.json()["members"][1]["health"]["label"] == "患有大病"

    income = await registry.client.put(
        f"/households/{hid}/incomes/2024",
        json={
            "wage": "9000",
            "business": "3000",
            "transfer": "1200.50",
            "property": "0",
            "production_costs": "1500",
        },
        headers=headers,
    )
    assert income.status_code == 200, income.text
    assert income.json()["net_income"] == "11700.50"
    assert income.json()["member_count"] == 3
    assert income.json()["per_capita_net_income"] == "3900.17"
    current = (await registry.client.get(f"/households/{hid}", headers=headers)).json()
    assert current["per_capita_net_income"] == "3900.17" and current["income_year"] == 2024

    types = [event["type"] for event in await outbox(registry)]
    assert types == [
        "fupin.registry.household.created.v1",
        "fupin.registry.member.added.v1",
        "fupin.registry.member.deceased.v1",
        "fupin.registry.member.updated.v1",
        "fupin.registry.household.income_recorded.v1",
    ]
    history = (await registry.client.get(f"/households/{hid}/history", headers=headers)).json()
    assert [entry["action"] for entry in history] == [
        "created",
        "member.birth",
        "member.death",
        "member.updated",
        "income.recorded",
    ]
    assert all(entry["actor"] == "test-user" and entry["reason"] for entry in history)
    assert baby["resident_id"] not in json.dumps(history)


# ---- status lifecycle ---------------------------------------------------------------------------------


async def test_status_lifecycle_and_invalid_transitions(writable_registry) -> None:
    registry = writable_registry
    hid = (await created(registry, household()))["id"]
    assert (await command(registry, hid, "exit")).status_code == 409
    assert (await command(registry, hid, "register", roles=["viewer"])).status_code == 403
    village = await registry.client.post(
        f"/households/{hid}/status-commands",
        json={"action": "register", "reason": "x"},
        headers=auth(registry, "village", VILLAGE, ["officer"]),
    )
    assert village.status_code == 403
    registered = await command(registry, hid, "register")
    assert registered.status_code == 200
    assert registered.json()["status_colour"]["code"] == "red"
    assert (await command(registry, hid, "register")).status_code == 409
    await registered_last_year(registry, hid)
    exited = await command(registry, hid, "exit")
    assert exited.json()["status"]["code"] == "exited" and exited.json()["status_colour"]["code"] == "green"
    returned = await command(registry, hid, "return")
    assert returned.json()["status_colour"]["code"] == "yellow"
    assert (await command(registry, hid, "register")).status_code == 409
    # A household registered as poor (returned here) is assisted, not monitored (domain.md §4).
    conflict = await command(registry, hid, "monitor")
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "invalid-transition"
    await registered_last_year(registry, hid)
    assert (await command(registry, hid, "exit")).status_code == 200
    assert (await command(registry, hid, "monitor")).status_code == 200

    history = await rows(
        registry,
        "SELECT action, actor, before->>'status' AS b, after->>'status' AS a FROM household_history ORDER BY id",
    )
    assert [(h["action"], h["b"], h["a"]) for h in history] == [
        ("created", None, "candidate"),
        ("register", "candidate", "registered"),
        ("exit", "registered", "exited"),
        ("return", "exited", "returned"),
        ("exit", "returned", "exited"),
        ("monitor", "exited", "monitored"),
    ]
    types = [event["type"].rsplit(".", 2)[-2] for event in await outbox(registry)]
    assert types == ["created", "registered", "exited", "returned", "exited", "monitored"]


async def test_a_household_cannot_exit_by_hand_in_the_year_it_was_registered(writable_registry) -> None:
    """The exit-year rule (domain.md §4), as identification's exit applies it: the year, in China, of the
    household's latest registration or return to poverty; the refused command changes nothing."""
    registry = writable_registry
    hid = (await created(registry, household()))["id"]
    assert (await command(registry, hid, "register")).status_code == 200
    history = await _history_count(registry, hid)
    events = len(await outbox(registry))

    refused = await command(registry, hid, "exit")
    assert refused.status_code == 409, refused.text
    year = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year
    assert refused.json()["code"] == "exit-in-registration-year"
    assert (
        refused.json()["detail"]
        == f"registered in {year}: a household cannot exit in the year it was registered"
    )
    current = await registry.client.get(f"/households/{hid}", headers=auth(registry, "village", VILLAGE))
    assert current.json()["status"]["code"] == "registered" and current.json()["version"] == 2
    assert await _history_count(registry, hid) == history and len(await outbox(registry)) == events

    # Registered last year: it exits this year. Returned to poverty this year: not again before next year.
    await registered_last_year(registry, hid)
    assert (await command(registry, hid, "exit")).status_code == 200
    assert (await command(registry, hid, "return")).status_code == 200
    again = await command(registry, hid, "exit")
    assert again.status_code == 409 and again.json()["code"] == "exit-in-registration-year"
    await registered_last_year(registry, hid)
    assert (await command(registry, hid, "exit")).json()["status"]["code"] == "exited"


async def test_as_of_returns_the_past_state(writable_registry) -> None:
    registry = writable_registry
    headers = auth(registry, "village", VILLAGE)
    data = await created(registry, household(address="旧地址"))
    hid = data["id"]
    await registry.client.patch(
        f"/households/{hid}", json={"address": "新地址", "reason": "搬家"}, headers=headers
    )
    await command(registry, hid, "register")
    history = (await registry.client.get(f"/households/{hid}/history", headers=headers)).json()
    created_at, updated_at, _ = (entry["at"] for entry in history)

    past = await registry.client.get(f"/households/{hid}", params={"as_of": created_at}, headers=headers)
    assert past.status_code == 200
    assert past.json()["address"] == "旧地址" and past.json()["status"]["code"] == "candidate"
    assert past.json()["as_of"] is not None
    assert past.json()["members"][0]["resident_id"] == data["members"][0]["resident_id"]
    middle = await registry.client.get(f"/households/{hid}", params={"as_of": updated_at}, headers=headers)
    assert middle.json()["address"] == "新地址" and middle.json()["status"]["code"] == "candidate"
    now = await registry.client.get(f"/households/{hid}", headers=headers)
    assert now.json()["status"]["code"] == "registered" and now.json()["version"] == 3
    before = await registry.client.get(
        f"/households/{hid}", params={"as_of": "2000-01-01T00:00:00Z"}, headers=headers
    )
    assert before.status_code == 404


# ---- jurisdiction and masking ------------------------------------------------------------------------


async def test_out_of_jurisdiction_is_404_for_reads_and_writes(writable_registry) -> None:
    registry = writable_registry
    data = await created(registry, household())
    hid, mid = data["id"], data["members"][0]["id"]
    outsiders = [
        ("village", SIBLING),
        ("township", COUSIN_TOWNSHIP),
        ("village", COUSIN),
        ("county", "520103000000"),
        ("province", "110000000000"),
    ]
    for tier, division in outsiders:
        headers = auth(registry, tier, division, ["cadre", "officer"])
        calls = [
            registry.client.get(f"/households/{hid}", headers=headers),
            registry.client.get(
                f"/households/{hid}", params={"as_of": "2030-01-01T00:00:00Z"}, headers=headers
            ),
            registry.client.get(f"/households/{hid}/history", headers=headers),
            registry.client.patch(
                f"/households/{hid}", json={"address": "x", "reason": "x"}, headers=headers
            ),
            add_member(
                registry,
                hid,
                "birth",
                "2024-01-01",
                member("son", resident_id=resident_id(birth="20240101")),
                headers,
            ),
            registry.client.post(
                f"/households/{hid}/members/{mid}/death",
                json={"died_on": "2024-01-01", "reason": "x"},
                headers=headers,
            ),
            registry.client.post(
                f"/households/{hid}/status-commands",
                json={"action": "register", "reason": "x"},
                headers=headers,
            ),
            registry.client.put(f"/households/{hid}/incomes/2024", json={"wage": "1"}, headers=headers),
        ]
        for response in await asyncio.gather(*calls):
            assert response.status_code == 404, (
                tier,
                division,
                response.request.method,
                response.request.url,
            )
            assert VILLAGE not in response.text
        listing = await registry.client.get("/households", headers=headers)
        assert listing.json()["items"] == []
    # Creating a household in a village outside the caller's jurisdiction is a 404 too.
    response = await create(registry, household(division=SIBLING), tier="village", division=VILLAGE)
    assert response.status_code == 404
    # The parent township and the county see it.
    for tier, division in (("township", TOWNSHIP), ("county", COUNTY)):
        response = await registry.client.get(f"/households/{hid}", headers=auth(registry, tier, division))
        assert response.status_code == 200
    unchanged = await rows(registry, "SELECT version, status, address FROM households")
    assert unchanged == [{"version": 1, "status": "candidate", "address": "纪念塔路 1 号"}]


async def test_resident_ids_masked_above_county(writable_registry) -> None:
    registry = writable_registry
    body = household()
    hid = (await created(registry, body))["id"]
    full_id = body["members"][0]["resident_id"]
    for tier, division in (("city", CITY), ("province", PROVINCE)):
        response = await registry.client.get(f"/households/{hid}", headers=auth(registry, tier, division))
        assert response.status_code == 200
        head = response.json()["members"][0]
        assert head["resident_id_masked"] is True
        assert head["resident_id"] == full_id[:6] + "********" + full_id[-4:]
        assert head["birth_date"] is None
        assert full_id not in response.text and body["bank_account"] not in response.text
        assert response.json()["bank_account"].endswith(body["bank_account"][-4:])
        assert response.json()["phone"] == "138****0000" and body["phone"] not in response.text
        # History keeps no birth date for them either: it is the very part of the ID the mask hides.
        history = await registry.client.get(
            f"/households/{hid}/history", headers=auth(registry, tier, division)
        )
        assert history.status_code == 200 and history.json()
        assert full_id[6:14] not in history.text and full_id not in history.text
        assert all(member["birth_date"] is None for member in history.json()[0]["after"]["members"])
        assert body["phone"] not in history.text
    county = await registry.client.get(f"/households/{hid}", headers=auth(registry, "county", COUNTY))
    assert county.json()["members"][0]["resident_id"] == full_id
    assert county.json()["members"][0]["resident_id_masked"] is False


async def test_ids_and_phones_typed_into_reasons_are_masked_above_county(writable_registry) -> None:
    """A reason is what a cadre typed, and cadres quote ID cards and phone numbers: above the county the
    history shows them masked, as the structured fields are."""
    registry = writable_registry
    hid = (await created(registry, household()))["id"]
    mother = resident_id()
    baby = member("son", resident_id=resident_id(birth="20240301"), labour_capacity="none")
    reason = f"新生儿，母亲身份证{mother}，电话13800001111"
    added = await add_member(
        registry, hid, "birth", "2024-03-01", baby, auth(registry, "county", COUNTY), reason
    )
    assert added.status_code == 201, added.text
    for tier, division in (("city", CITY), ("province", PROVINCE)):
        history = await registry.client.get(
            f"/households/{hid}/history", headers=auth(registry, tier, division)
        )
        assert history.status_code == 200, history.text
        assert (
            history.json()[-1]["reason"]
            == f"新生儿，母亲身份证{mother[:6]}********{mother[-4:]}，电话138****1111"
        )
        assert mother not in history.text and "13800001111" not in history.text
    county = await registry.client.get(f"/households/{hid}/history", headers=auth(registry, "county", COUNTY))
    assert county.json()[-1]["reason"] == reason


async def test_ids_and_phones_typed_into_the_households_free_text_are_masked_above_county(
    writable_registry,
) -> None:
    """Address, bank name and 组 are typed by cadres, who put the head's ID card and a contact's mobile in
    them: above the county the household, its past state and the list show them masked, as history does."""
    registry = writable_registry
    head_id = resident_id()
    body = household(
        address=f"纪念塔路 1 号 户主身份证{head_id} 手机13987654321",
        bank_name="农村信用社 联系人13711112222",
        village_group=f"三组（{head_id}）",
    )
    hid = (await created(registry, body))["id"]
    masked_id = head_id[:6] + "********" + head_id[-4:]
    history = await registry.client.get(
        f"/households/{hid}/history", headers=auth(registry, "county", COUNTY)
    )
    created_at = history.json()[0]["at"]
    for tier, division in (("city", CITY), ("province", PROVINCE)):
        headers = auth(registry, tier, division)
        current = await registry.client.get(f"/households/{hid}", headers=headers)
        past = await registry.client.get(f"/households/{hid}", params={"as_of": created_at}, headers=headers)
        listing = await registry.client.get("/households", headers=headers)
        for response in (current, past, listing):
            assert response.status_code == 200, response.text
            assert head_id not in response.text, response.request.url
            assert "13987654321" not in response.text and "13711112222" not in response.text
        for found in (current.json(), past.json()):
            assert found["address"] == f"纪念塔路 1 号 户主身份证{masked_id} 手机139****4321"
            assert found["bank_name"] == "农村信用社 联系人137****2222"
            assert found["village_group"] == f"三组（{masked_id}）"
        (item,) = [item for item in listing.json()["items"] if item["id"] == hid]
        assert item["village_group"] == f"三组（{masked_id}）"
    # At the county (and below) the text is as typed.
    for tier, division in (("county", COUNTY), ("village", VILLAGE)):
        county = (
            await registry.client.get(f"/households/{hid}", headers=auth(registry, tier, division))
        ).json()
        assert (county["address"], county["bank_name"], county["village_group"]) == (
            body["address"],
            body["bank_name"],
            body["village_group"],
        )


async def test_a_city_without_counties_holds_the_county_powers(writable_registry) -> None:
    """东莞: townships hang off the city, so its officers register households, see full IDs and count
    per township."""
    registry = writable_registry
    village, township, city = "441900003001", "441900003000", "441900000000"
    body = household(division=village, members=[member(resident_id=resident_id(region="441900"))])
    hid = (await created(registry, body))["id"]
    registered = await registry.client.post(
        f"/households/{hid}/status-commands",
        json={"action": "register", "reason": "市级审批（不设区的市）"},
        headers=auth(registry, "city", city, ["officer"]),
    )
    assert registered.status_code == 200, registered.text
    assert registered.json()["status"]["code"] == "registered"
    assert registered.json()["members"][0]["resident_id"] == body["members"][0]["resident_id"]
    counts = await registry.client.get("/households/counts", headers=auth(registry, "city", city))
    assert counts.json()["child_level"] == "township"
    assert [(item["division"], item["total"]) for item in counts.json()["items"]] == [(township, 1)]
    # An ordinary city holds no county power.
    other = (await created(registry, household()))["id"]
    refused = await registry.client.post(
        f"/households/{other}/status-commands",
        json={"action": "register", "reason": "r"},
        headers=auth(registry, "city", CITY, ["officer"]),
    )
    assert refused.status_code == 403


async def test_only_cadres_and_officers_write_the_files(writable_registry) -> None:
    registry = writable_registry
    hid = (await created(registry, household()))["id"]
    before = await registry.client.get(f"/households/{hid}", headers=auth(registry, "village", VILLAGE))
    for roles in (["viewer"], ["department"], ["evaluator"]):
        headers = auth(registry, "village", VILLAGE, roles)
        writes = [
            registry.client.post("/households", json=household(), headers=headers),
            registry.client.patch(
                f"/households/{hid}", json={"address": "x", "reason": "r"}, headers=headers
            ),
            registry.client.put(f"/households/{hid}/incomes/2024", json={"wage": "100"}, headers=headers),
        ]
        for response in await asyncio.gather(*writes):
            assert response.status_code == 403, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
    after = await registry.client.get(f"/households/{hid}", headers=auth(registry, "village", VILLAGE))
    assert after.json() == before.json()
    assert len(await rows(registry, "SELECT id FROM households")) == 1


async def test_a_clients_scopes_limit_what_its_token_may_call(writable_registry) -> None:
    """A departmental client's token (a `scope` claim) reaches only what its scopes grant, on top of its
    roles and jurisdiction; a token without the claim (a person) is not limited by scopes."""
    registry = writable_registry
    hid = (await created(registry, household()))["id"]

    def client(scope: str) -> dict[str, str]:
        token = registry.stack.token("county", COUNTY, ["officer"], subject="client:dept", scope=scope)
        return {"Authorization": f"Bearer {token}"}

    push_only = client("comparisons:push")
    for path in (f"/households/{hid}", f"/exports/counties/{COUNTY}/archive.csv", "/households"):
        refused = await registry.client.get(path, headers=push_only)
        assert refused.status_code == 403, (path, refused.text)
        assert "registry.read" in refused.json()["detail"]
    assert (await registry.client.get("/whoami", headers=push_only)).status_code == 200
    reader = client("registry.read funds.read")
    assert (await registry.client.get(f"/households/{hid}", headers=reader)).status_code == 200
    write = {"address": "新地址", "reason": "r"}
    refused_write = await registry.client.patch(f"/households/{hid}", json=write, headers=reader)
    assert refused_write.status_code == 403 and "registry.write" in refused_write.json()["detail"]
    writer = client("registry.write")
    assert (await registry.client.patch(f"/households/{hid}", json=write, headers=writer)).status_code == 200
    assert (await registry.client.get(f"/households/{hid}", headers=client(""))).status_code == 403
    person = auth(registry, "county", COUNTY, ["officer"])
    assert (await registry.client.get(f"/households/{hid}", headers=person)).status_code == 200


async def test_counts_of_a_division_that_does_not_exist_is_404(writable_registry) -> None:
    registry = writable_registry
    missing = await registry.client.get(
        "/households/counts", params={"division": "520102999000"}, headers=auth(registry, "county", COUNTY)
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


# ---- queries -------------------------------------------------------------------------------------------


async def test_counts_per_child_division(writable_registry) -> None:
    registry = writable_registry
    placed = [VILLAGE, VILLAGE, SIBLING, COUSIN, OTHER_COUNTY_VILLAGE, BEIJING_VILLAGE]
    ids = [
        (await created(registry, household(division=division, members=[member()])))["id"]
        for division in placed
    ]
    await command(registry, ids[0], "register")
    # A birth adds a person to the first household; an edit of a non-counted field changes no counter.
    baby = member("son", resident_id=resident_id(birth="20240301"), labour_capacity="none")
    born = await add_member(
        registry, ids[0], "birth", "2024-03-01", baby, auth(registry, "village", VILLAGE), "新生儿"
    )
    assert born.status_code == 201, born.text

    county = await registry.client.get(
        "/households/counts", params={"by": "child"}, headers=auth(registry, "county", COUNTY)
    )
    assert county.status_code == 200
    assert county.json()["child_level"] == "township"
    assert {item["division"]: (item["total"], item["by_status"]) for item in county.json()["items"]} == {
        TOWNSHIP: (3, {"registered": 1, "candidate": 2}),
        COUSIN_TOWNSHIP: (1, {"candidate": 1}),
    }
    township_item = next(item for item in county.json()["items"] if item["division"] == TOWNSHIP)
    assert township_item["people"] == 4
    assert township_item["people_by_status"] == {"registered": 2, "candidate": 2}
    assert sum(township_item["by_attribute"].values()) == 3
    # The trigger-kept counters equal a direct aggregate of the households table.
    counters = await rows(
        registry,
        "SELECT division, status, attribute, households, people FROM household_counts "
        "WHERE households <> 0 OR people <> 0 ORDER BY 1, 2, 3",
    )
    direct = await rows(
        registry,
        "SELECT division, status, attribute, count(*) AS households, sum(member_count) AS people "
        "FROM households GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )
    assert counters == direct and len(direct) == 6
    city = await registry.client.get(
        "/households/counts", params={"by": "child"}, headers=auth(registry, "city", CITY)
    )
    assert {item["division"]: item["total"] for item in city.json()["items"]} == {
        COUNTY: 4,
        "520103000000": 1,
    }
    township = await registry.client.get("/households/counts", headers=auth(registry, "township", TOWNSHIP))
    assert {item["division"]: item["total"] for item in township.json()["items"]} == {VILLAGE: 2, SIBLING: 1}
    drill = await registry.client.get(
        "/households/counts", params={"division": TOWNSHIP}, headers=auth(registry, "province", PROVINCE)
    )
    assert {item["division"]: item["total"] for item in drill.json()["items"]} == {VILLAGE: 2, SIBLING: 1}
    outside = await registry.client.get(
        "/households/counts",
        params={"division": BEIJING_COUNTY},
        headers=auth(registry, "province", PROVINCE),
    )
    assert outside.status_code == 404
    # The nation's counts per province are the nation tier's alone: anyone else asking for the root gets
    # the 404 of a division outside their jurisdiction, not the whole country.
    for tier, division in (("province", PROVINCE), ("county", COUNTY), ("village", VILLAGE)):
        nation = await registry.client.get(
            "/households/counts", params={"division": "000000000000"}, headers=auth(registry, tier, division)
        )
        assert nation.status_code == 404, (tier, nation.text)
    national = await registry.client.get(
        "/households/counts",
        params={"division": "000000000000"},
        headers=auth(registry, "nation", "000000000000", ["viewer"]),
    )
    assert national.status_code == 200, national.text
    assert {item["division"]: item["total"] for item in national.json()["items"]} == {
        PROVINCE: 5,
        "110000000000": 1,
    }


async def test_list_filters_and_keyset_pagination(writable_registry) -> None:
    registry = writable_registry
    headers = auth(registry, "county", COUNTY)
    disabled = member(health="disabled", labour_capacity="lost")
    made = {
        "disabled": await created(
            registry, household(members=[disabled], main_cause="disability", other_causes=[])
        ),
        "school": await created(
            registry, household(division=SIBLING, main_cause="schooling", other_causes=["illness"])
        ),
        "plain": await created(registry, household(division=COUSIN, main_cause="lack_land", other_causes=[])),
    }
    for name, income in (("disabled", "2000"), ("school", "6000"), ("plain", "9000")):
        response = await registry.client.put(
            f"/households/{made[name]['id']}/incomes/2024", json={"wage": income}, headers=headers
        )
        assert response.status_code == 200
    await command(registry, made["plain"]["id"], "register")
    for _ in range(4):
        await created(
            registry, household(division=COUSIN, members=[member()], main_cause="lack_water", other_causes=[])
        )

    async def ids(**params: Any) -> set[str]:
        response = await registry.client.get("/households", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert await ids(has_disabled="true") == {made["disabled"]["id"]}
    assert await ids(has_no_labour="true") == {made["disabled"]["id"]}
    assert made["disabled"]["id"] not in await ids(has_disabled="false")
    assert await ids(cause="illness") == {made["school"]["id"]}
    assert await ids(main_cause="schooling") == {made["school"]["id"]}
    assert await ids(status="registered") == {made["plain"]["id"]}
    assert await ids(income_min="2500", income_max="4000") == {made["school"]["id"]}
    assert len(await ids(attribute="general", main_cause="lack_water")) == 4
    assert (
        await registry.client.get("/households", params={"limit": 501}, headers=headers)
    ).status_code == 422
    assert (
        await registry.client.get("/households", params={"after": "!!"}, headers=headers)
    ).status_code == 422

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["after"] = cursor
        page = (await registry.client.get("/households", params=params, headers=headers)).json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 7 == len(set(seen))
    village_view = await registry.client.get("/households", headers=auth(registry, "village", COUSIN))
    assert len(village_view.json()["items"]) == 5


async def test_event_payloads_match_contracts(writable_registry) -> None:
    from fupin_contracts import registry as contracts

    registry = writable_registry
    data = await created(registry, household())
    await command(registry, data["id"], "register")
    for event in await outbox(registry):
        model = contracts.PAYLOADS[event["type"]]
        model.model_validate(event["payload"]["data"])
        assert event["payload"]["subject"] == f"household/{data['id']}"
        assert event["payload"]["division"] == VILLAGE


def _place(event: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [(d["code"], d["division_name"], d["placeholder"]) for d in event["payload"]["data"]["place"]]


async def test_the_created_event_names_the_village_and_every_division_above_it(writable_registry) -> None:
    """From the registry's own tree, following its parent links (东莞's townships hang off the city, 北京's
    districts off a 市辖区 grouping): identification names notice villages from it, asking no service."""
    registry = writable_registry
    dongguan = "441900003001"
    await created(registry, household())
    await created(
        registry, household(division=dongguan, members=[member(resident_id=resident_id(region="441900"))])
    )
    await created(
        registry,
        household(division=BEIJING_VILLAGE, members=[member(resident_id=resident_id(region="110101"))]),
    )
    assert [_place(event) for event in await outbox(registry)] == [
        [
            (PROVINCE, "贵州省", False),
            (CITY, "贵阳市", False),
            (COUNTY, "南明区", False),
            (TOWNSHIP, "新华路街道", False),
            (VILLAGE, "纪念塔社区", False),
        ],
        [
            ("440000000000", "广东省", False),
            ("441900000000", "东莞市", False),
            ("441900003000", "东城街道", False),
            (dongguan, "岗贝社区居民委员会", False),
        ],
        [
            ("110000000000", "北京市", False),
            ("110100000000", "市辖区", True),
            (BEIJING_COUNTY, "东城区", False),
            ("110101001000", "东华门街道", False),
            (BEIJING_VILLAGE, "多福巷社区居委会", False),
        ],
    ]


def test_transition_table_is_pure() -> None:
    import pytest

    from registry.households.enums import HouseholdStatus as S
    from registry.households.workflow import InvalidTransition, StatusAction, allowed_actions, next_status

    A = StatusAction
    assert next_status(S.CANDIDATE, A.REGISTER) is S.REGISTERED
    assert next_status(S.EXITED, A.RETURN) is S.RETURNED
    assert next_status(S.RETURNED, A.EXIT) is S.EXITED
    # Returning to poverty needs an exit first.
    with pytest.raises(InvalidTransition):
        next_status(S.REGISTERED, A.RETURN)
    with pytest.raises(InvalidTransition):
        next_status(S.CANDIDATE, A.EXIT)
    # Only households not registered as poor now are monitored.
    assert {state for state in S if A.MONITOR in allowed_actions(state)} == {S.CANDIDATE, S.EXITED}
    # A monitored household leaves by what it was before: cleared back to it, or poor again.
    assert next_status(S.MONITORED, A.CLEAR, S.EXITED) is S.EXITED
    assert next_status(S.MONITORED, A.CLEAR, S.CANDIDATE) is S.CANDIDATE
    assert next_status(S.MONITORED, A.RETURN, S.EXITED) is S.RETURNED
    assert next_status(S.MONITORED, A.REGISTER, S.CANDIDATE) is S.REGISTERED
    assert set(allowed_actions(S.MONITORED, S.EXITED)) == {A.CLEAR, A.RETURN}
    assert set(allowed_actions(S.MONITORED, S.CANDIDATE)) == {A.CLEAR, A.REGISTER}
    for before, action in ((S.EXITED, A.REGISTER), (S.CANDIDATE, A.RETURN), (S.EXITED, A.MONITOR)):
        with pytest.raises(InvalidTransition):
            next_status(S.MONITORED, action, before)
    with pytest.raises(InvalidTransition):
        next_status(S.MONITORED, A.CLEAR)  # without knowing what it was, nothing leaves monitoring
    assert allowed_actions(S.MONITORED) == []
    # Clear is only for monitored households.
    assert all(A.CLEAR not in allowed_actions(state) for state in S if state is not S.MONITORED)


# ---- QA fixes: bad input is a 422 problem and changes nothing ----------------------------------------


async def _history_count(registry, hid: str) -> int:
    found = await rows(registry, "SELECT count(*) AS n FROM household_history WHERE household_id = :h", h=hid)
    return int(found[0]["n"])


async def test_explicit_null_for_a_required_field_is_422_and_changes_nothing(writable_registry) -> None:
    registry = writable_registry
    headers = auth(registry, "village", VILLAGE)
    data = await created(registry, household())
    hid, mid = data["id"], data["members"][1]["id"]
    required = (
        "main_cause",
        "other_causes",
        "identification_standard",
        "attribute",
        "village_group",
        "address",
        "head_name",
        "living",
    )
    for field in required:
        response = await registry.client.patch(
            f"/households/{hid}", json={field: None, "reason": "x"}, headers=headers
        )
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "may not be null" in response.text
    for field in ("dibao", "relation", "health", "labour_capacity", "name", "medical_insurance"):
        response = await registry.client.patch(
            f"/households/{hid}/members/{mid}", json={field: None, "reason": "x"}, headers=headers
        )
        assert response.status_code == 422, (field, response.text)
    assert await _history_count(registry, hid) == 1
    # Nullable fields may still be cleared.
    cleared = await registry.client.patch(
        f"/households/{hid}",
        json={"phone": None, "living": {"housing_safety_grade": None}, "reason": "核实"},
        headers=headers,
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["phone"] is None and cleared.json()["living"]["housing_safety_grade"] is None
    assert cleared.json()["living"]["drinking_water"]["code"] == "difficult"  # untouched
    member_cleared = await registry.client.patch(
        f"/households/{hid}/members/{mid}", json={"education": None, "reason": "核实"}, headers=headers
    )
    assert member_cleared.status_code == 200, member_cleared.text


async def test_as_of_out_of_range_is_422_and_a_date_means_the_end_of_that_day(writable_registry) -> None:
    registry = writable_registry
    headers = auth(registry, "village", VILLAGE)
    hid = (await created(registry, household()))["id"]
    for as_of in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        response = await registry.client.get(f"/households/{hid}", params={"as_of": as_of}, headers=headers)
        assert response.status_code == 422, (as_of, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    # The day is China's: the file was created on this day in Beijing, whatever the day in UTC.
    created_on = (
        await rows(registry, "SELECT (at AT TIME ZONE 'Asia/Shanghai')::date AS d FROM household_history")
    )[0]["d"]
    today = await registry.client.get(
        f"/households/{hid}", params={"as_of": created_on.isoformat()}, headers=headers
    )
    assert today.status_code == 200, today.text  # midnight would precede the creation: 404
    end_of_day = dt.datetime.combine(created_on, dt.time.max, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert dt.datetime.fromisoformat(today.json()["as_of"]) == end_of_day
    schema = registry.app.openapi()["paths"]["/households/{household_id}"]["get"]["parameters"]
    description = next(p for p in schema if p["name"] == "as_of")["description"]
    assert "end of that day" in description


async def test_full_width_digits_are_not_a_division_code(writable_registry) -> None:
    registry = writable_registry
    full_width = "５２０１０２０１６００１"
    headers = auth(registry, "county", COUNTY)
    for path, params in (
        ("/households/counts", {"division": full_width}),
        (f"/divisions/{full_width}", {}),
        (f"/divisions/{full_width}/children", {}),
        ("/standards/effective", {"division": full_width, "year": 2020, "kind": "poverty_line"}),
        (f"/exports/villages/{full_width}/register.xlsx", {}),
    ):
        response = await registry.client.get(path, params=params, headers=headers)
        assert response.status_code == 422, (path, response.text)
    response = await create(registry, household(division=full_width), tier="county", division=COUNTY)
    assert response.status_code == 422
    account = await create(registry, household(bank_account="６２２８４８００１２３４５６７８"))
    assert account.status_code == 422
    assert await rows(registry, "SELECT id FROM households") == []


async def test_member_change_dates_are_checked(writable_registry) -> None:
    registry = writable_registry
    headers = auth(registry, "village", VILLAGE)
    today = china_today()  # the service's calendar
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    data = await created(registry, household(members=[member(), member("spouse", male=False)]))
    hid, spouse = data["id"], data["members"][1]["id"]

    async def join(change: str, on: str, person: dict[str, Any]) -> int:
        return int((await add_member(registry, hid, change, on, person, headers)).status_code)

    baby = member("son", resident_id=resident_id(birth="20240301"), labour_capacity="none")
    assert await join("birth", "2024-02-01", baby) == 422  # before the child was born
    assert await join("birth", tomorrow, baby) == 422  # in the future
    adult = member("son", resident_id=resident_id(birth="19720301"))
    assert await join("birth", "2026-03-01", adult) == 422  # a 54-year-old is not born into a household
    assert await join("move_in", "1971-01-01", adult) == 422  # before the person was born
    assert await join("birth", "2024-03-05", baby) == 201

    async def leave(body: dict[str, Any], kind: str = "departure") -> int:
        response = await registry.client.post(
            f"/households/{hid}/members/{spouse}/{kind}", json=body, headers=headers
        )
        return int(response.status_code)

    assert await leave({"change": "move_out", "effective_on": tomorrow, "reason": "x"}) == 422
    assert await leave({"died_on": tomorrow, "reason": "x"}, "death") == 422
    # A death or departure before birth, on a member whose join date precedes its birth (as in a file
    # recorded before registered_on was checked against birth dates).
    async with registry.app.state.engine.begin() as connection:
        await connection.execute(
            text("UPDATE household_members SET joined_on = '2013-01-01' WHERE id = :id"), {"id": spouse}
        )
    born = (await rows(registry, "SELECT birth_date FROM household_members WHERE id = :id", id=spouse))[0]
    before_birth = (born["birth_date"] - dt.timedelta(days=1)).isoformat()
    assert await leave({"died_on": before_birth, "reason": "x"}, "death") == 422
    assert await leave({"change": "move_out", "effective_on": before_birth, "reason": "x"}) == 422
    # The person is still in the household: nothing was applied.
    current = (await registry.client.get(f"/households/{hid}", headers=headers)).json()
    assert current["member_count"] == 3

    for registered_on in ("1900-01-01", "2012-12-31", "2099-12-31", tomorrow):
        response = await create(registry, household(registered_on=registered_on))
        assert response.status_code == 422, (registered_on, response.text)
    child = member("son", resident_id=resident_id(birth="20210101"), labour_capacity="none")
    response = await create(registry, household(members=[member(), child], registered_on="2020-06-01"))
    assert response.status_code == 422 and "birth date" in response.text
    assert (await create(registry, household(registered_on="2013-01-01"))).status_code == 201


async def test_a_member_update_keeps_exactly_one_head(writable_registry) -> None:
    registry = writable_registry
    headers = auth(registry, "village", VILLAGE)
    members = [member(), member("spouse", male=False), member("son", name="张小三")]
    data = await created(registry, household(members=members))
    hid = data["id"]
    head, spouse, son = (m["id"] for m in data["members"])
    names = {m["id"]: m["name"] for m in data["members"]}

    async def patch(mid: str, body: dict[str, Any]):
        return await registry.client.patch(
            f"/households/{hid}/members/{mid}", json={**body, "reason": "户主变更"}, headers=headers
        )

    demoted = await patch(head, {"relation": "father"})
    assert demoted.status_code == 422 and "former_head_relation" in demoted.json()["detail"]
    second = await patch(son, {"relation": "head"})
    assert second.status_code == 422 and "two heads" in second.json()["detail"]
    assert (
        await patch(spouse, {"relation": "daughter", "former_head_relation": "father"})
    ).status_code == 422
    assert await _history_count(registry, hid) == 1

    changed = await patch(son, {"relation": "head", "former_head_relation": "father"})
    assert changed.status_code == 200, changed.text
    relations = {m["id"]: m["relation"]["code"] for m in changed.json()["members"]}
    assert relations == {head: "father", spouse: "spouse", son: "head"}
    # The household is named after its new head (lists, exports and notices show head_name).
    assert changed.json()["head_name"] == names[son]
    *events, household_event = (await outbox(registry))[-3:]
    assert [event["type"] for event in events] == ["fupin.registry.member.updated.v1"] * 2
    # Each carries the member as it is now, so consumers keeping members need not call back.
    carried = {e["payload"]["data"]["member_id"]: e["payload"]["data"]["member"] for e in events}
    assert carried[head]["relation"] == "father" and carried[son]["relation"] == "head"
    assert carried[son]["name"] == names[son] and carried[son]["resident_id_index"]
    # The household's head_name changed with its head: said as a household change too (QA10 feeds), so a
    # system keeping households from the feed need not read member events to know it.
    assert household_event["type"] == "fupin.registry.household.updated.v1"
    assert household_event["payload"]["data"]["changed"] == ["head_name"]
    assert household_event["payload"]["data"]["version"] == changed.json()["version"]
    assert household_event["payload"]["data"]["main_cause"] == changed.json()["main_cause"]["code"]

    # A head who dies while others remain names the new head in the same request (never headless).
    died = await registry.client.post(
        f"/households/{hid}/members/{son}/death",
        json={"died_on": "2024-06-01", "reason": "病故", "new_head_member_id": spouse},
        headers=headers,
    )
    assert died.status_code == 200, died.text
    assert died.json()["head_name"] == names[spouse]
    last = (await outbox(registry))[-1]
    assert last["type"] == "fupin.registry.household.updated.v1"
    assert last["payload"]["data"]["changed"] == ["head_name"]
    assert last["payload"]["data"]["version"] == died.json()["version"]
    assert (await patch(spouse, {"health": "chronic"})).status_code == 200
    assert (await outbox(registry))[-1]["type"] == "fupin.registry.member.updated.v1"  # no rename
    renamed = await patch(spouse, {"name": "王秀英"})
    assert renamed.status_code == 200 and renamed.json()["head_name"] == "王秀英"
    assert (await outbox(registry))[-1]["payload"]["data"]["changed"] == ["head_name"]


async def test_a_corrected_head_name_renames_the_head_member(writable_registry) -> None:
    registry = writable_registry
    headers = auth(registry, "village", VILLAGE)
    data = await created(registry, household(members=[member(), member("spouse", male=False)]))
    hid, head = data["id"], data["members"][0]["id"]
    corrected = await registry.client.patch(
        f"/households/{hid}", json={"head_name": "张建国", "reason": "户主姓名更正"}, headers=headers
    )
    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert body["head_name"] == "张建国"
    names = {m["id"]: m["name"] for m in body["members"]}
    assert names[head] == "张建国" and names[data["members"][1]["id"]] == data["members"][1]["name"]
    events = (await outbox(registry))[-2:]
    assert [event["type"] for event in events] == [
        "fupin.registry.member.updated.v1",
        "fupin.registry.household.updated.v1",
    ]
    renamed = events[0]["payload"]["data"]
    assert renamed["member_id"] == head and renamed["changed"] == ["name"]
    assert renamed["member"]["name"] == "张建国"
    # One history row for the correction, showing the head's name before and after.
    history = (await registry.client.get(f"/households/{hid}/history", headers=headers)).json()
    assert len(history) == 2
    heads = [next(m for m in history[-1][side]["members"] if m["id"] == head) for side in ("before", "after")]
    assert [m["name"] for m in heads] == [data["members"][0]["name"], "张建国"]
    # The same name again changes nothing: no member renamed, no new version, no event.
    published = len(await outbox(registry))
    again = await registry.client.patch(
        f"/households/{hid}", json={"head_name": "张建国", "reason": "复核"}, headers=headers
    )
    assert again.status_code == 200 and again.json()["version"] == body["version"]
    assert len(await outbox(registry)) == published


async def test_a_person_recorded_as_deceased_cannot_be_registered_again(writable_registry) -> None:
    registry = writable_registry
    headers = auth(registry, "village", VILLAGE)
    data = await created(registry, household(members=[member(), member("father")]))
    father = data["members"][1]
    died = await registry.client.post(
        f"/households/{data['id']}/members/{father['id']}/death",
        json={"died_on": "2024-06-01", "reason": "病故"},
        headers=headers,
    )
    assert died.status_code == 200, died.text
    again = member(resident_id=father["resident_id"])
    before = await outbox(registry)
    # Elsewhere in the country, as a new file: refused as any person who cannot join, without saying
    # where, nor that the person died (the caller cannot read the household they died in).
    response = await create(registry, household(division=BEIJING_VILLAGE, members=[again]))
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "person-already-registered"
    assert "deceased" not in response.text
    assert VILLAGE not in response.text and data["id"] not in response.text
    # Nor can the person join a household (here the same one, by a move).
    joined = await add_member(
        registry, data["id"], "move_in", "2024-07-01", {**again, "relation": "father"}, headers
    )
    assert joined.status_code == 409 and joined.json()["code"] == "person-deceased"
    assert len(await rows(registry, "SELECT id FROM households")) == 1
    assert await outbox(registry) == before


async def test_monitored_households_are_cleared_or_become_poor(writable_registry) -> None:
    registry = writable_registry
    assert (
        await command(registry, (await created(registry, household()))["id"], "return")
    ).status_code == 409
    # Never registered, at risk (边缘易致贫户): monitored, then cleared back to candidate.
    marginal = (await created(registry, household()))["id"]
    assert (await command(registry, marginal, "monitor")).status_code == 200
    assert (await command(registry, marginal, "return")).status_code == 409
    cleared = await command(registry, marginal, "clear")
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["status"]["code"] == "candidate"
    # Monitored again, it becomes poor: registered.
    assert (await command(registry, marginal, "monitor")).status_code == 200
    registered = await command(registry, marginal, "register")
    assert registered.json()["status"]["code"] == "registered"
    # Exited but unstable (脱贫不稳定户): cleared back to exited, or returned to poverty.
    unstable = (await created(registry, household()))["id"]
    assert (await command(registry, unstable, "register")).status_code == 200
    await registered_last_year(registry, unstable)
    for action in ("exit", "monitor"):
        assert (await command(registry, unstable, action)).status_code == 200
    assert (await command(registry, unstable, "register")).status_code == 409
    assert (await command(registry, unstable, "clear")).json()["status"]["code"] == "exited"
    assert (await command(registry, unstable, "monitor")).status_code == 200
    assert (await command(registry, unstable, "return")).json()["status"]["code"] == "returned"

    events = await rows(
        registry,
        "SELECT type, payload->'data' AS data FROM outbox WHERE aggregateid IN (:a, :b) ORDER BY seq",
        a=marginal,
        b=unstable,
    )
    kinds = [event["type"].rsplit(".", 2)[-2] for event in events]
    assert kinds == [
        "created", "monitored", "monitoring_cleared", "monitored", "registered",
        "created", "registered", "exited", "monitored", "monitoring_cleared", "monitored", "returned",
    ]  # fmt: skip
    # Risk cleared has its own event, whatever status it restores (not an exit decided now).
    assert events[2]["data"]["from_status"] == "monitored" and events[2]["data"]["to_status"] == "candidate"
    assert events[9]["data"]["from_status"] == "monitored" and events[9]["data"]["to_status"] == "exited"


async def test_identification_events_drive_monitoring_and_its_clearance(
    writable_registry, monkeypatch
) -> None:
    import uuid

    from fupin_contracts import identification as id_contracts
    from fupin_kit.envelope import Envelope
    from registry.handlers import identification_events

    registry = writable_registry
    # The handler's cipher comes from the process settings; here, the test app's.
    monkeypatch.setattr(identification_events, "_cipher", registry.app.state.settings.pii_cipher)
    hid = (await created(registry, household()))["id"]

    async def deliver(event_type: str, action: str) -> None:
        event = Envelope(
            source="identification",
            type=event_type,
            subject=f"case/{uuid.uuid4()}",
            division=VILLAGE,
            data={
                "case_id": str(uuid.uuid4()),
                "kind": "monitoring",
                "household_id": hid,
                "division": VILLAGE,
                "year": 2026,
                "action": action,
                "from_state": None,
                "to_state": "x",
            },
        )
        async with registry.app.state.sessionmaker() as session, session.begin():
            await identification_events.HANDLERS[event.type](session, event)

    await deliver(id_contracts.MONITORING_DECIDED, "county_decide")
    assert (await rows(registry, "SELECT status FROM households"))[0]["status"] == "monitored"
    await deliver(id_contracts.event_type("monitoring", "clear_risk"), "clear_risk")
    assert (await rows(registry, "SELECT status FROM households"))[0]["status"] == "candidate"
    history = await rows(registry, "SELECT action, reason FROM household_history ORDER BY id")
    assert [entry["action"] for entry in history] == ["created", "monitor", "clear"]
    assert "risk cleared" in history[-1]["reason"]
    # Identified as poor through the whole procedure: registered; after an exit and monitoring (脱贫不稳定户),
    # identified as poor again: returned to poverty, not registered a second time.
    await deliver(id_contracts.CASE_ANNOUNCED, "announce")
    assert (await rows(registry, "SELECT status FROM households"))[0]["status"] == "registered"
    await deliver(id_contracts.EXIT_ANNOUNCED, "exit_announce")
    await deliver(id_contracts.MONITORING_DECIDED, "county_decide")
    await deliver(id_contracts.CASE_ANNOUNCED, "announce")
    assert (await rows(registry, "SELECT status FROM households"))[0]["status"] == "returned"


# ---- rules found open by the acceptance pass ----------------------------------------------------------


async def test_an_income_beyond_next_year_is_refused_and_changes_nothing(writable_registry) -> None:
    registry = writable_registry
    headers = auth(registry, "county", COUNTY, ["officer"])
    hid = (await created(registry, household()))["id"]
    for far in (china_today().year + 2, 2099):
        future = await registry.client.put(
            f"/households/{hid}/incomes/{far}", json={"wage": "1"}, headers=headers
        )
        assert future.status_code == 422 and future.headers["content-type"] == "application/problem+json"
        assert str(far) in future.json()["detail"]
    after = (await registry.client.get(f"/households/{hid}", headers=headers)).json()
    assert after["income_year"] is None and after["per_capita_net_income"] is None
    # This year's and next year's (a round prepared late in the year) are recorded.
    for year in (china_today().year, china_today().year + 1):
        recorded = await registry.client.put(
            f"/households/{hid}/incomes/{year}", json={"wage": "1"}, headers=headers
        )
        assert recorded.status_code == 200, recorded.text


async def test_a_household_without_living_members_cannot_be_registered(writable_registry) -> None:
    registry = writable_registry
    data = await created(registry, household(members=[member()]))
    hid, head = data["id"], data["members"][0]["id"]
    died = await registry.client.post(
        f"/households/{hid}/members/{head}/death",
        json={"died_on": "2024-06-01", "reason": "病故"},
        headers=auth(registry, "village", VILLAGE),
    )
    assert died.status_code == 200, died.text
    refused = await command(registry, hid, "register")
    assert refused.status_code == 409 and "no current members" in refused.json()["detail"]
    income = await registry.client.put(
        f"/households/{hid}/incomes/{china_today().year}",
        json={"wage": "1"},
        headers=auth(registry, "village", VILLAGE),
    )
    assert income.status_code == 409 and income.json()["code"] == "no-living-members", income.text
    assert (await registry.client.get(f"/households/{hid}", headers=auth(registry, "county", COUNTY))).json()[
        "status"
    ]["code"] == "candidate"
    # Outside the county: 404 first, as for every route, whatever the file holds.
    assert (await command(registry, hid, "register", division="520103000000")).status_code == 404


async def test_a_phone_number_needs_digits(writable_registry) -> None:
    registry = writable_registry
    for phone in ("-----", "+ - +", "12-"):
        answer = await registry.client.post(
            "/households", json=household(phone=phone), headers=auth(registry, "village", VILLAGE)
        )
        assert answer.status_code == 422, phone
    for phone in ("13800000000", "+86 138-0000-0000", "0851-12345"):
        body = household(phone=phone)
        answer = await registry.client.post(
            "/households", json=body, headers=auth(registry, "village", VILLAGE)
        )
        assert answer.status_code == 201, (phone, answer.text)


async def test_nobody_is_returned_to_poverty_or_monitored_in_an_empty_household(writable_registry) -> None:
    registry = writable_registry
    data = await created(registry, household(members=[member()]))
    hid, head = data["id"], data["members"][0]["id"]
    assert (await command(registry, hid, "register")).status_code == 200
    await registered_last_year(registry, hid)
    assert (await command(registry, hid, "exit")).status_code == 200
    died = await registry.client.post(
        f"/households/{hid}/members/{head}/death",
        json={"died_on": "2024-06-01", "reason": "病故"},
        headers=auth(registry, "village", VILLAGE),
    )
    assert died.status_code == 200, died.text
    history = await _history_count(registry, hid)
    for action in ("return", "monitor"):
        refused = await command(registry, hid, action)
        assert refused.status_code == 409, refused.text
        assert f"nobody to {action}" in refused.json()["detail"]
    assert await _history_count(registry, hid) == history


async def test_an_empty_living_patch_changes_nothing(writable_registry) -> None:
    registry = writable_registry
    data = await created(registry, household())
    hid, headers = data["id"], auth(registry, "village", VILLAGE)
    history, events = await _history_count(registry, hid), len(await outbox(registry))
    empty = await registry.client.patch(
        f"/households/{hid}", json={"living": {}, "reason": "空更新"}, headers=headers
    )
    assert empty.status_code == 422 and empty.json()["detail"] == "nothing to change"
    future = await registry.client.patch(
        f"/households/{hid}",
        json={"living": {"housing_year_built": china_today().year + 1}, "reason": "建房年份"},
        headers=headers,
    )
    assert future.status_code == 422, future.text
    assert await _history_count(registry, hid) == history and len(await outbox(registry)) == events
    built = await registry.client.patch(
        f"/households/{hid}",
        json={"living": {"housing_year_built": china_today().year}, "reason": "建房年份"},
        headers=headers,
    )
    assert built.status_code == 200 and built.json()["version"] == data["version"] + 1


def _born_years_ago(years: int, male: bool, sequence: int) -> dict[str, Any]:
    """A member born `years` years and ten days ago (an exact birth date: resident_id() shifts years)."""
    today = china_today()
    born = dt.date(today.year - years, today.month, 1) - dt.timedelta(days=10)
    first17 = f"520102{born:%Y%m%d}{sequence * 2 + (1 if male else 0):03d}"
    return member("spouse" if not male else "son_in_law", male, resident_id=first17 + check_digit(first17))


async def test_a_marriage_join_is_for_someone_of_marrying_age(writable_registry) -> None:
    """民法典 第1047条: 22 for a man, 20 for a woman; someone younger joins by move_in."""
    registry = writable_registry
    data = await created(registry, household())
    hid, headers, on = data["id"], auth(registry, "village", VILLAGE), china_today().isoformat()
    young_woman, young_man = _born_years_ago(19, False, 401), _born_years_ago(21, True, 402)
    for person in (young_woman, young_man):
        refused = await add_member(registry, hid, "marriage_in", on, person, headers, "婚入")
        assert refused.status_code == 422, refused.text
        assert "legal marrying age" in str(refused.json()["errors"])
    moved = await add_member(registry, hid, "move_in", on, young_woman, headers, "迁入")
    assert moved.status_code == 201, moved.text
    married = await add_member(
        registry, hid, "marriage_in", on, _born_years_ago(22, True, 403), headers, "婚入"
    )
    assert married.status_code == 201, married.text


# ---- Idempotency-Key -----------------------------------------------------------------------------------


async def test_a_retried_command_with_its_idempotency_key_is_applied_once(writable_registry) -> None:
    """A retry (a timeout, a dropped connection) answers the first response and changes nothing: a create
    gives back the id it made instead of a 409, a PATCH or an income is one version, one history row and
    one event. The same key with another body is refused; without a key nothing changes."""
    registry = writable_registry
    headers = auth(registry, "village", VILLAGE)
    body = household()
    first = await registry.client.post(
        "/households", json=body, headers={**headers, "Idempotency-Key": "c-1"}
    )
    again = await registry.client.post(
        "/households", json=body, headers={**headers, "Idempotency-Key": "c-1"}
    )
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    hid = first.json()["id"]
    assert len(await rows(registry, "SELECT id FROM households")) == 1

    patch = {"address": "纪念塔路 2 号", "reason": "门牌更正"}
    keyed = {**headers, "Idempotency-Key": "p-1"}
    patched = [await registry.client.patch(f"/households/{hid}", json=patch, headers=keyed) for _ in range(2)]
    assert [p.status_code for p in patched] == [200, 200] and patched[0].json() == patched[1].json()
    assert patched[1].json()["version"] == 2
    other = await registry.client.patch(
        f"/households/{hid}", json={**patch, "address": "别处"}, headers=keyed
    )
    assert other.status_code == 422 and "different request" in other.json()["detail"]

    county = {**auth(registry, "county", COUNTY, ["officer"]), "Idempotency-Key": "i-1"}
    income = {"wage": "9000", "reason": "年度收入"}
    recorded = [
        await registry.client.put(f"/households/{hid}/incomes/2025", json=income, headers=county)
        for _ in range(2)
    ]
    assert [r.status_code for r in recorded] == [200, 200] and recorded[0].json() == recorded[1].json()

    history = await rows(
        registry, "SELECT action FROM household_history WHERE household_id = :h", h=uuid.UUID(hid)
    )
    assert sorted(row["action"] for row in history) == ["created", "income.recorded", "updated"]
    types = [row["type"] for row in await outbox(registry)]
    assert types.count("fupin.registry.household.updated.v1") == 1
    assert types.count("fupin.registry.household.income_recorded.v1") == 1
    # A blank key is no key for every command: refused.
    blank = await registry.client.patch(
        f"/households/{hid}", json=patch, headers={**headers, "Idempotency-Key": " "}
    )
    assert blank.status_code == 422


async def test_concurrent_retries_with_one_key_apply_once(writable_registry) -> None:
    registry = writable_registry
    headers = {**auth(registry, "village", VILLAGE), "Idempotency-Key": "same"}
    body = household()
    answers = await asyncio.gather(
        *(registry.client.post("/households", json=body, headers=headers) for _ in range(4))
    )
    assert {answer.status_code for answer in answers} == {201}, [a.text for a in answers]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert len(await rows(registry, "SELECT id FROM households")) == 1


async def test_a_status_decided_outside_the_platform_keeps_its_day(writable_registry) -> None:
    """A county records a file registered before the platform existed with the decision's own day: the
    history row and the event keep it, and the exit rule reads its year (registered in 2015, the household
    may exit this year), not the year of the call."""
    registry = writable_registry
    hid = (await created(registry, household(registered_on="2015-03-01")))["id"]
    officer = auth(registry, "county", COUNTY, ["officer"])
    path = f"/households/{hid}/status-commands"
    for bad in ("2999-01-01", "2012-12-31"):
        refused = await registry.client.post(
            path, json={"action": "register", "reason": "补录", "decided_on": bad}, headers=officer
        )
        assert refused.status_code == 422, (bad, refused.text)
    legacy = {
        "action": "register",
        "reason": "2015年建档立卡（县扶贫办文件）补录",
        "decided_on": "2015-05-01",
    }
    registered = await registry.client.post(path, json=legacy, headers=officer)
    assert registered.status_code == 200, registered.text
    exited = await registry.client.post(
        path, json={"action": "exit", "reason": "县级认定脱贫"}, headers=officer
    )
    assert exited.status_code == 200, exited.text
    history = (await registry.client.get(f"/households/{hid}/history", headers=officer)).json()
    assert [(entry["action"], entry["effective_on"]) for entry in history] == [
        ("created", None),
        ("register", "2015-05-01"),
        ("exit", None),
    ]
    registered_events = [
        row["payload"]["data"]
        for row in await outbox(registry)
        if row["type"] == "fupin.registry.household.registered.v1"
    ]
    assert [event["decided_on"] for event in registered_events] == ["2015-05-01"]
    # Recorded today, the same registration would block this year's exit.
    other = (await created(registry, household()))["id"]
    assert (await command(registry, other, "register")).status_code == 200
    blocked = await command(registry, other, "exit")
    assert blocked.status_code == 409 and blocked.json()["code"] == "exit-in-registration-year"


async def test_a_patch_that_changes_nothing_makes_no_version(writable_registry) -> None:
    """A PATCH whose every field already holds the value sent (a repeat without an Idempotency-Key, a form
    saved twice) answers the file as it is: no new version, no history row, no event."""
    registry = writable_registry
    headers = auth(registry, "village", VILLAGE)
    hid = (await created(registry, household()))["id"]
    patch = {"address": "纪念塔路 9 号", "bank_account": "6228480099998888", "reason": "更正"}
    first = await registry.client.patch(f"/households/{hid}", json=patch, headers=headers)
    assert first.status_code == 200 and first.json()["version"] == 2, first.text
    for repeat in (
        patch,
        {"address": "纪念塔路 9 号", "reason": "再次保存"},
        {"living": {"housing_area": "60.50"}, "reason": "同值"},
    ):
        same = await registry.client.patch(f"/households/{hid}", json=repeat, headers=headers)
        assert same.status_code == 200 and same.json()["version"] == 2, (repeat, same.text)
    history = await rows(
        registry, "SELECT action FROM household_history WHERE household_id = :h", h=uuid.UUID(hid)
    )
    assert [row["action"] for row in history] == ["created", "updated"]
    updated = [row for row in await outbox(registry) if row["type"] == "fupin.registry.household.updated.v1"]
    assert len(updated) == 1
    # The event names the API's fields, not the columns a bank account is stored in (QA6 events-feeds §6).
    assert updated[0]["payload"]["data"]["changed"] == ["address", "bank_account"]
    changed = await registry.client.patch(
        f"/households/{hid}",
        json={"address": "纪念塔路 9 号", "phone": "13900000000", "reason": "换号"},
        headers=headers,
    )
    assert changed.status_code == 200 and changed.json()["version"] == 3
    event = [row for row in await outbox(registry) if row["type"] == "fupin.registry.household.updated.v1"][
        -1
    ]
    assert event["payload"]["data"]["changed"] == ["phone"]


async def test_a_person_joins_from_the_day_they_left_their_household(writable_registry) -> None:
    """Someone who moved out of a household joins another (or comes back) on or after the day they left,
    never before: an earlier join put them in two households at once, and per-capita income counted them
    twice. The refusal does not say where they were."""
    registry = writable_registry
    headers = auth(registry, "county", COUNTY, ["officer"])
    son = member("son", resident_id=resident_id(birth="20000101"))
    first = await created(registry, household(members=[member(), son]))
    second = (await created(registry, household(division=SIBLING)))["id"]
    son_id = next(m["id"] for m in first["members"] if m["relation"]["code"] == "son")
    left = await registry.client.post(
        f"/households/{first['id']}/members/{son_id}/departure",
        json={"change": "move_out", "effective_on": "2025-06-01", "reason": "迁出"},
        headers=headers,
    )
    assert left.status_code == 200, left.text
    for household_id in (second, first["id"]):
        early = await add_member(registry, household_id, "move_in", "2019-01-01", son, headers, "迁入")
        assert early.status_code == 422, early.text
        assert "after this date" in early.json()["detail"] and VILLAGE not in early.text
    joined = await add_member(registry, second, "move_in", "2025-06-01", son, headers, "迁入")
    assert joined.status_code == 201, joined.text


async def test_a_newborn_joins_as_a_child_or_grandchild_of_the_head(writable_registry) -> None:
    """A baby joined by birth as the head's spouse or father is a typing error in the relation (QA
    registry-data §6): refused, naming the field; son, granddaughter or other are accepted."""
    registry = writable_registry
    headers = auth(registry, "village", VILLAGE)
    hid = (await created(registry, household()))["id"]
    born = "2024-03-01"
    for relation in ("spouse", "father", "sibling", "daughter_in_law"):
        baby = member(relation, resident_id=resident_id(birth="20240301"), labour_capacity="none")
        refused = await add_member(registry, hid, "birth", born, baby, headers, "新生儿")
        assert refused.status_code == 422, (relation, refused.text)
        assert f"not {relation}" in refused.text
    for relation in ("son", "granddaughter", "other"):
        baby = member(
            relation,
            male=relation == "son",
            resident_id=resident_id(male=relation == "son", birth="20240301"),
            labour_capacity="none",
        )
        joined = await add_member(registry, hid, "birth", born, baby, headers, "新生儿")
        assert joined.status_code == 201, (relation, joined.text)


# ---- the audit chain -------------------------------------------------------------------------------------


async def test_every_change_is_audited_in_the_chain_and_a_refused_one_is_not(writable_registry) -> None:
    """architecture.md §6: changes are audited in the service's hash-chained log, in the change's
    transaction. Each event the registry writes has its entry (who, what, which household, where, and a
    digest of the event's data, not the data); a refused command writes neither."""
    from fupin_kit.audit.changes import data_digest
    from fupin_kit.audit.verify import verify_chain
    from fupin_kit.envelope import Envelope

    registry = writable_registry
    headers = auth(registry, "village", VILLAGE)
    data = await created(registry, household())
    hid = data["id"]
    patched = await registry.client.patch(
        f"/households/{hid}", json={"address": "纪念塔路 2 号", "reason": "门牌更正"}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    born = await add_member(
        registry,
        hid,
        "birth",
        "2024-03-01",
        member("son", resident_id=resident_id(birth="20240301"), labour_capacity="none"),
        headers,
        "新生儿",
    )
    assert born.status_code == 201, born.text
    audited = await rows(registry, "SELECT * FROM audit_log ORDER BY seq")
    refused = await registry.client.patch(
        f"/households/{hid}", json={"main_cause": "no_such_cause", "reason": "x"}, headers=headers
    )
    assert refused.status_code == 422
    assert len(await rows(registry, "SELECT seq FROM audit_log")) == len(audited)

    events = [
        Envelope.model_validate(row["payload"])
        for row in await rows(registry, "SELECT payload FROM outbox ORDER BY seq")
    ]
    assert len(events) >= 3
    assert [entry["detail"]["event_id"] for entry in audited] == [str(event.id) for event in events]
    for entry, event in zip(audited, events, strict=True):
        assert event.actorid and entry["actor"] == event.actorid
        assert entry["subject"] == f"household/{hid}" and entry["division"] == VILLAGE
        assert entry["action"] == ".".join(event.type.split(".")[2:4])
        assert entry["detail"]["data_sha256"] == data_digest(event)
    assert [entry["action"] for entry in audited][:2] == ["household.created", "household.updated"]
    # The log holds no personal data of the household: not the names, the IDs, nor the address.
    text_of_log = str(audited)
    assert "张三" not in text_of_log and "纪念塔路" not in text_of_log
    assert all(member_["resident_id"] not in text_of_log for member_ in household()["members"])
    async with registry.app.state.sessionmaker() as session:
        report = await verify_chain(session)
    assert report.ok and report.checked == len(audited)
