"""Households: rules found open by the registry household API acceptance pass (QA registry-console-2),
on real PostgreSQL through the registry's HTTP API."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from fupin_kit.pii import check_digit
from registry.households import repository

VILLAGE = "520102016001"  # 纪念塔社区

_serial = itertools.count(1)


def resident_id(born: dt.date, male: bool = True) -> str:
    """A valid ID of someone born on `born`, unique per call (sequence: odd for men, even for women)."""
    first17 = f"520102{born:%Y%m%d}{(next(_serial) * 2 + (1 if male else 0)) % 1000:03d}"
    return first17 + check_digit(first17)


def member(relation: str, born: dt.date, male: bool = True, name: str | None = None) -> dict[str, Any]:
    return {
        "name": name or ("张三" if male else "李四"),
        "sex": "male" if male else "female",
        "resident_id": resident_id(born, male),
        "relation": relation,
        "health": "healthy",
        "labour_capacity": "ordinary",
    }


def household(members: list[dict[str, Any]], registered_on: str = "2020-01-01") -> dict[str, Any]:
    return {
        "division": VILLAGE,
        "village_group": "三组",
        "address": "纪念塔路 1 号",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "members": members,
        "registered_on": registered_on,
    }


def cadre(registry) -> dict[str, str]:
    headers: dict[str, str] = registry.auth("village", VILLAGE, ["cadre"])
    return headers


async def created(registry, body: dict[str, Any]) -> dict[str, Any]:
    response = await registry.client.post("/households", json=body, headers=cadre(registry))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def years_ago(years: int, days: int = 0) -> dt.date:
    """The day `years` years before today, `days` days earlier still (29 February: the 28th)."""
    today = dt.date.today()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = dt.date(today.year - years, 2, 28)
    return day - dt.timedelta(days=days)


# ---- §4: marriage_out applies the legal marrying age -----------------------------------------------------


async def test_a_member_under_the_legal_marrying_age_cannot_marry_out(writable_registry) -> None:
    """民法典 第1047条, as for marriage_in: 22 for a man, 20 for a woman on the day of the marriage. A
    10-year-old and a newborn had 'married out' (the member left the file, its ID freed for another)."""
    registry = writable_registry
    today = dt.date.today()
    girl = member("daughter", dt.date(2016, 6, 1), male=False, name="罗女")
    young_woman = member("daughter", years_ago(20, -1), male=False, name="罗二")  # 20 tomorrow
    young_man = member("son", years_ago(22, -1), name="罗三")  # 22 tomorrow
    woman = member("daughter", years_ago(20), male=False, name="罗四")  # 20 today
    man = member("son", years_ago(22), name="罗五")  # 22 today
    data = await created(
        registry,
        household([member("head", dt.date(1970, 1, 1)), girl, young_woman, young_man, woman, man]),
    )
    hid, members = data["id"], {m["name"]: m["id"] for m in data["members"]}

    async def leave(name: str, change: str) -> Any:
        return await registry.client.post(
            f"/households/{hid}/members/{members[name]}/departure",
            json={"change": change, "effective_on": today.isoformat(), "reason": "婚出"},
            headers=cadre(registry),
        )

    for name, sex, age in (("罗女", "female", 20), ("罗二", "female", 20), ("罗三", "male", 22)):
        refused = await leave(name, "marriage_out")
        assert refused.status_code == 422, (name, refused.text)
        problem = refused.json()
        assert problem["detail"] == (
            "a marriage_out departure is for someone of the legal marrying age on effective_on "
            f"({age} for a {sex} member); a younger person leaves by move_out"
        )
        assert problem["errors"][0]["loc"] == ["body", "change"]
    after = (await registry.client.get(f"/households/{hid}", headers=cadre(registry))).json()
    assert after["member_count"] == 6 and after["version"] == data["version"]
    # Someone younger leaves by move_out; someone of age may marry out.
    assert (await leave("罗女", "move_out")).status_code == 200
    for name in ("罗四", "罗五"):
        married = await leave(name, "marriage_out")
        assert married.status_code == 200, (name, married.text)
    # The wording is that of marriage_in's refusal.
    joined = await registry.client.post(
        f"/households/{hid}/members",
        json={
            "change": "marriage_in",
            "effective_on": today.isoformat(),
            "reason": "婚入",
            "member": member("daughter_in_law", years_ago(20, -1), male=False),
        },
        headers=cadre(registry),
    )
    assert joined.status_code == 422
    assert (
        "a marriage_in join is for someone of the legal marrying age on effective_on (20 for a female "
        "member); a younger person joins by move_in"
    ) in str(joined.json()["errors"])


# ---- §7: a 409 for a person already on file names the member of the request -----------------------------


BEIJING_VILLAGE = "110101001001"


async def test_a_person_already_in_a_household_is_named_by_their_place_in_the_request(
    writable_registry,
) -> None:
    """A cadre entering a household of six to eight people learns which of them is already on file (as
    the import names the row), still without learning where."""
    registry = writable_registry
    beijing_cadre = registry.auth("village", BEIJING_VILLAGE, ["cadre"])
    on_file = [
        member("head", dt.date(1960, 3, 1), name="赵甲"),
        member("son", dt.date(1990, 3, 1), name="赵乙"),
    ]
    beijing = await registry.client.post(
        "/households", json={**household(on_file), "division": BEIJING_VILLAGE}, headers=beijing_cadre
    )
    assert beijing.status_code == 201, beijing.text
    secrets = [beijing.json()["id"], BEIJING_VILLAGE, "110101", "赵甲", "赵乙", "东城", "多福巷"]
    secrets += [person["resident_id"] for person in on_file]

    def again(person: dict[str, Any], relation: str) -> dict[str, Any]:
        return {**person, "relation": relation, "name": "新名字"}

    def refused(response: Any, code: str, *locs: list[Any]) -> dict[str, Any]:
        assert response.status_code == 409, response.text
        problem: dict[str, Any] = response.json()
        assert problem["code"] == code
        assert [error["loc"] for error in problem["errors"]] == list(locs)
        assert all(secret not in response.text for secret in secrets)
        return problem

    # The fourth member of four: members[3].
    four = [member("head", dt.date(1970, 1, 1)), member("spouse", dt.date(1972, 1, 1), male=False)]
    four += [member("daughter", dt.date(2000, 1, 1), male=False), again(on_file[1], "son")]
    problem = refused(
        await registry.client.post("/households", json=household(four), headers=cadre(registry)),
        "person-already-registered",
        ["body", "members", 3, "resident_id"],
    )
    assert problem["detail"] == "this person already belongs to a household: members.3.resident_id"
    assert problem["errors"][0]["msg"] == "this person already belongs to a household"
    # Two of them, one by a disability certificate (which embeds the ID): both named.
    certificate = {**again(on_file[0], "head"), "resident_id": None}
    certificate["disability_certificate"] = on_file[0]["resident_id"] + "21"
    two = [certificate, member("spouse", dt.date(1962, 1, 1), male=False), again(on_file[1], "son")]
    refused(
        await registry.client.post("/households", json=household(two), headers=cadre(registry)),
        "person-already-registered",
        ["body", "members", 0, "disability_certificate"],
        ["body", "members", 2, "resident_id"],
    )
    # A member joining an existing household: the request's `member`.
    data = await created(registry, household([member("head", dt.date(1970, 1, 1))]))
    joined = await registry.client.post(
        f"/households/{data['id']}/members",
        json={
            "change": "move_in",
            "effective_on": "2024-05-01",
            "reason": "迁入",
            "member": again(on_file[1], "son"),
        },
        headers=cadre(registry),
    )
    refused(joined, "person-already-registered", ["body", "member", "resident_id"])
    # A person recorded as deceased is named the same way.
    head = beijing.json()["members"][0]["id"]
    died = await registry.client.post(
        f"/households/{beijing.json()['id']}/members/{head}/death",
        json={"died_on": "2024-06-01", "reason": "病故"},
        headers=beijing_cadre,
    )
    assert died.status_code == 200, died.text
    three = [
        member("head", dt.date(1970, 1, 1)),
        member("son", dt.date(1995, 1, 1)),
        again(on_file[0], "father"),
    ]
    problem = refused(
        await registry.client.post("/households", json=household(three), headers=cadre(registry)),
        "person-deceased",
        ["body", "members", 2, "resident_id"],
    )
    assert problem["detail"] == "this person is recorded as deceased: members.2.resident_id"
    households = (await registry.client.get("/households", headers=cadre(registry))).json()["items"]
    assert [item["id"] for item in households] == [data["id"]]


async def test_the_database_names_the_person_it_refuses_between_concurrent_requests(
    writable_registry,
) -> None:
    """Two requests checked the person at the same time: the unique index refuses the second insert, and
    the refusal still names which of its members it is (read from the violation's detail)."""
    registry = writable_registry
    data = await created(registry, household([member("head", dt.date(1970, 1, 1))]))
    async with registry.app.state.engine.connect() as connection:
        row = dict(
            (
                await connection.execute(
                    text("SELECT * FROM household_members WHERE household_id = :h"), {"h": data["id"]}
                )
            )
            .one()
            ._mapping
        )
    row.pop("seq")
    async with registry.app.state.sessionmaker() as session:
        with pytest.raises(repository.PersonAlreadyInHousehold) as refused:
            await repository.insert_members(session, [{**row, "id": uuid.uuid4()}])
    assert refused.value.person_index == row["person_index"]


# ---- §2: a year's income corrected leaves a trace ----------------------------------------------------------


async def test_correcting_a_years_income_keeps_the_record_before_and_after_with_a_reason(
    writable_registry,
) -> None:
    """The history of an income kept only the household's latest per-capita figure (for an earlier year,
    before = after) and the reason '<year> income': a lowered wage left no trace."""
    registry = writable_registry
    headers = registry.auth("county", "520102000000", ["officer"])
    data = await created(
        registry,
        household([member("head", dt.date(1970, 1, 1)), member("spouse", dt.date(1972, 1, 1), False)]),
    )
    hid = data["id"]

    async def put(year: int, body: dict[str, Any]) -> dict[str, Any]:
        response = await registry.client.put(f"/households/{hid}/incomes/{year}", json=body, headers=headers)
        assert response.status_code == 200, response.text
        recorded: dict[str, Any] = response.json()
        return recorded

    async def last_entry() -> dict[str, Any]:
        history = (await registry.client.get(f"/households/{hid}/history", headers=headers)).json()
        entry: dict[str, Any] = history[-1]
        assert entry["action"] == "income.recorded"
        return entry

    def record(year: int, figures: dict[str, str], net: str, per_capita: str) -> dict[str, Any]:
        components = ("wage", "business", "transfer", "property", "production_costs")
        return {
            "year": year,
            **{key: figures.get(key, "0.00") for key in components},
            "net_income": net,
            "member_count": 2,
            "per_capita_net_income": per_capita,
            "recorded_by": "test-user",
        }

    def without_time(entry: dict[str, Any], side: str) -> list[dict[str, Any]]:
        incomes: list[dict[str, Any]] = entry[side]["incomes"]
        assert all(dt.datetime.fromisoformat(income.pop("recorded_at")) for income in incomes)
        return incomes

    # First recorded, without a reason (as every caller so far): the default reason, nothing before.
    first = await put(2025, {"wage": "12000", "business": "2000", "production_costs": "500"})
    entry = await last_entry()
    assert entry["reason"] == "2025 income"
    assert without_time(entry, "before") == []
    first_record = record(
        2025, {"wage": "12000.00", "business": "2000.00", "production_costs": "500.00"}, "13500.00", "6750.00"
    )
    assert without_time(entry, "after") == [first_record]
    # Corrected with a reason: the whole record as it was and as it is, every component included.
    await put(
        2025, {"wage": "6000", "business": "2000", "transfer": "300.5", "reason": "核实后更正工资性收入"}
    )
    entry = await last_entry()
    assert entry["reason"] == "核实后更正工资性收入"
    assert without_time(entry, "before") == [first_record]
    assert without_time(entry, "after") == [
        record(2025, {"wage": "6000.00", "business": "2000.00", "transfer": "300.50"}, "8300.50", "4150.25")
    ]
    assert entry["before"]["per_capita_net_income"] == first["per_capita_net_income"] == "6750.00"
    assert entry["after"]["per_capita_net_income"] == "4150.25"
    # An earlier year's correction, which does not touch the household's latest figure, shows too.
    await put(2024, {"wage": "9000"})
    await put(2024, {"wage": "7000", "reason": "更正"})
    entry = await last_entry()
    assert entry["before"]["per_capita_net_income"] == entry["after"]["per_capita_net_income"] == "4150.25"
    assert [income["wage"] for income in entry["before"]["incomes"]] == ["9000.00"]
    assert [income["wage"] for income in entry["after"]["incomes"]] == ["7000.00"]
    # Above the county the entry reads the same figures.
    city = registry.auth("city", "520100000000", ["viewer"])
    above = (await registry.client.get(f"/households/{hid}/history", headers=city)).json()[-1]
    assert above["before"]["incomes"][0]["net_income"] == "9000.00"
    # The reason follows the rules of every other reason.
    for reason in ("", "x" * 501):
        refused = await registry.client.put(
            f"/households/{hid}/incomes/2024", json={"wage": "1", "reason": reason}, headers=headers
        )
        assert refused.status_code == 422, reason
