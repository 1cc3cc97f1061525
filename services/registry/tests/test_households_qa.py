"""Households: rules found open by the registry household API acceptance pass (QA registry-console-2),
on real PostgreSQL through the registry's HTTP API."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from fupin_kit.civil_time import china_today
from fupin_kit.pii import PiiCipher, check_digit
from registry.households import repository
from registry.imports import template, validation

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
    today = china_today()
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
    today = china_today()
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
    # A person recorded as deceased outside the caller's jurisdiction is named the same way, as any person
    # who cannot join (the death itself is not told).
    head, son = (person["id"] for person in beijing.json()["members"])
    died = await registry.client.post(
        f"/households/{beijing.json()['id']}/members/{head}/death",
        json={"died_on": "2024-06-01", "reason": "病故", "new_head_member_id": son},
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
        "person-already-registered",
        ["body", "members", 2, "resident_id"],
    )
    assert problem["detail"] == "this person already belongs to a household: members.2.resident_id"
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


# ---- §3: per-capita income divided among the household of its year ----------------------------------------


async def outbox_incomes(registry, hid: str) -> list[tuple[int, int, str]]:
    """(year, member count, per-capita) of the household's income_recorded events, in order."""
    async with registry.app.state.engine.connect() as connection:
        result = await connection.execute(
            text("SELECT payload FROM outbox WHERE type = :t AND aggregateid = :h ORDER BY seq"),
            {"t": "fupin.registry.household.income_recorded.v1", "h": hid},
        )
        return [
            (data["year"], data["member_count"], data["per_capita_net_income"])
            for data in (row.payload["data"] for row in result)
        ]


async def test_a_years_per_capita_income_is_divided_among_that_years_household(writable_registry) -> None:
    """Per-capita income was divided by the member count at the moment of the call: a baby born in 2026 or
    a daughter-in-law married in then counted for 2024, a member who died since did not. Now each year's
    household is the members in it at the end of 31 December (today for this year); a member change
    recomputes the years it alters, and only those, and says so in history and events."""
    registry = writable_registry
    headers = registry.auth("county", "520102000000", ["officer"])
    head = member("head", dt.date(1950, 1, 1), name="龙老大")
    spouse = member("spouse", dt.date(1952, 1, 1), male=False, name="潘二妹")
    son = member("son", dt.date(1975, 1, 1), name="龙小")
    data = await created(registry, household([head, spouse, son], registered_on="2020-01-01"))
    hid, ids = data["id"], {m["name"]: m["id"] for m in data["members"]}

    async def put(year: int, wage: str = "9000") -> tuple[int, str]:
        response = await registry.client.put(
            f"/households/{hid}/incomes/{year}", json={"wage": wage}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()["member_count"], response.json()["per_capita_net_income"]

    async def incomes() -> dict[int, tuple[int, str]]:
        rows = (await registry.client.get(f"/households/{hid}/incomes", headers=headers)).json()
        return {row["year"]: (row["member_count"], row["per_capita_net_income"]) for row in rows}

    async def change(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await registry.client.post(f"/households/{hid}/{path}", json=body, headers=headers)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    async def last_history() -> dict[str, Any]:
        entry: dict[str, Any] = (
            await registry.client.get(f"/households/{hid}/history", headers=headers)
        ).json()[-1]
        return entry

    for year in (2023, 2024, 2025):
        assert await put(year) == (3, "3000.00")
    events = len(await outbox_incomes(registry, hid))
    version = (await registry.client.get(f"/households/{hid}", headers=headers)).json()["version"]

    # 潘二妹 died in June 2024: 2024 and 2025 had two members at their year's end, 2023 still three.
    died = await change(f"members/{ids['潘二妹']}/death", {"died_on": "2024-06-01", "reason": "病故"})
    assert await incomes() == {2023: (3, "3000.00"), 2024: (2, "4500.00"), 2025: (2, "4500.00")}
    assert died["income_year"] == 2025 and died["per_capita_net_income"] == "4500.00"
    assert died["version"] == version + 1  # one change, one version
    assert (await outbox_incomes(registry, hid))[events:] == [(2024, 2, "4500.00"), (2025, 2, "4500.00")]
    entry = await last_history()
    assert entry["action"] == "member.death"
    assert [
        (i["year"], i["member_count"], i["per_capita_net_income"]) for i in entry["before"]["incomes"]
    ] == [
        (2024, 3, "3000.00"),
        (2025, 3, "3000.00"),
    ]
    assert [
        (i["year"], i["member_count"], i["per_capita_net_income"]) for i in entry["after"]["incomes"]
    ] == [
        (2024, 2, "4500.00"),
        (2025, 2, "4500.00"),
    ]
    # A daughter-in-law married in in March 2025: 2025 only.
    await change(
        "members",
        {
            "change": "marriage_in",
            "effective_on": "2025-03-01",
            "reason": "婚入",
            "member": member("daughter_in_law", dt.date(1998, 1, 1), male=False, name="杨媳"),
        },
    )
    assert await incomes() == {2023: (3, "3000.00"), 2024: (2, "4500.00"), 2025: (3, "3000.00")}
    # A child born on 20 December 2024, its birth recorded in January: in the household from its birth.
    await change(
        "members",
        {
            "change": "birth",
            "effective_on": "2025-01-10",
            "reason": "新生儿",
            "member": {**member("grandson", dt.date(2024, 12, 20), name="龙孙"), "labour_capacity": "none"},
        },
    )
    assert await incomes() == {2023: (3, "3000.00"), 2024: (3, "3000.00"), 2025: (4, "2250.00")}
    # The son moved out on 31 December 2025: not in the household at the end of that day.
    await change(
        f"members/{ids['龙小']}/departure",
        {"change": "move_out", "effective_on": "2025-12-31", "reason": "迁出"},
    )
    assert await incomes() == {2023: (3, "3000.00"), 2024: (3, "3000.00"), 2025: (3, "3000.00")}
    # Recording a year again divides by that year's household, whatever today's is.
    assert await put(2023) == (3, "3000.00")
    assert await put(2024, "12000") == (3, "4000.00")
    # A change that alters no recorded year recomputes nothing and sends no income event.
    events = len(await outbox_incomes(registry, hid))
    entry = await last_history()
    current = (await registry.client.get(f"/households/{hid}", headers=headers)).json()["members"]
    grandson = next(m["id"] for m in current if m["name"] == "龙孙")
    await change(
        f"members/{ids['龙老大']}/death",
        {"died_on": china_today().isoformat(), "reason": "病故", "new_head_member_id": grandson},
    )
    assert await incomes() == {2023: (3, "3000.00"), 2024: (3, "4000.00"), 2025: (3, "3000.00")}
    assert len(await outbox_incomes(registry, hid)) == events
    assert "incomes" not in (await last_history())["after"]


async def test_this_years_income_follows_the_household_as_it_changes(writable_registry) -> None:
    """QA's reproduction: 8,000 yuan for 2024 in a household of two stays 4,000 per head after a birth
    this year; this year's figure, divided among today's household, follows the birth."""
    registry = writable_registry
    headers = registry.auth("county", "520102000000", ["officer"])
    data = await created(
        registry,
        household(
            [member("head", dt.date(1980, 1, 1)), member("spouse", dt.date(1982, 1, 1), False)],
            registered_on="2024-02-01",
        ),
    )
    hid, this_year = data["id"], china_today().year

    async def put(year: int, wage: str) -> tuple[int, str]:
        response = await registry.client.put(
            f"/households/{hid}/incomes/{year}", json={"wage": wage}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()["member_count"], response.json()["per_capita_net_income"]

    assert await put(2024, "8000") == (2, "4000.00")
    assert await put(this_year, "9000") == (2, "4500.00")
    baby = {**member("son", dt.date(this_year, 1, 1)), "labour_capacity": "none"}
    born = await registry.client.post(
        f"/households/{hid}/members",
        json={
            "change": "birth",
            "effective_on": china_today().isoformat(),
            "reason": "新生儿",
            "member": baby,
        },
        headers=headers,
    )
    assert born.status_code == 201, born.text
    assert born.json()["per_capita_net_income"] == "3000.00" and born.json()["member_count"] == 3
    assert await put(2024, "8000") == (2, "4000.00")
    # The birth recounted this year's figure (its event last); 2024's, sent again unchanged, is no new event.
    incomes = await outbox_incomes(registry, hid)
    assert incomes[-1] == (this_year, 3, "3000.00")
    assert [income for income in incomes if income[0] == 2024] == [(2024, 2, "4000.00")]
    # A year nobody on the file lived in yet (all born later) has no per-capita income.
    young = await created(
        registry,
        household([member("head", dt.date(2001, 5, 1)), member("spouse", dt.date(2002, 5, 1), False)]),
    )
    refused = await registry.client.put(
        f"/households/{young['id']}/incomes/2000", json={"wage": "1"}, headers=headers
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "no-living-members"
    assert (
        refused.json()["detail"]
        == "nobody lived in the household at the end of 2000: no per-capita income to compute"
    )


def form_rows(key: str, income_year: int, members: list[tuple[str, str, str, str]]) -> list[list[str]]:
    """登记表 rows of one household registered today: (姓名, 性别, 证件号码, 与户主关系) per member."""
    rows = []
    for index, (name, sex, person, relation) in enumerate(members):
        row = dict(zip(template.HEADERS, template.EXAMPLE_ROWS[min(index, 1)], strict=True))
        row.update({"户编号": key, "姓名": name, "性别": sex, "证件号码": person, "与户主关系": relation})
        if index == 0:
            row.update({"户主姓名": name, "登记日期": china_today().isoformat(), "年度": str(income_year)})
        rows.append([row[header] for header in template.HEADERS])
    return rows


async def test_the_import_divides_a_years_income_among_that_years_household(writable_registry) -> None:
    """The 登记表 import divides as the API does: a child born after the income year is on the form but was
    not in the household at the end of that year."""
    registry = writable_registry
    headers = registry.auth("county", "520102000000", ["officer"])
    last_year = china_today().year - 1
    child = resident_id(dt.date(last_year + 1, 1, 1))
    rows = form_rows(
        "Q1",
        last_year,
        [
            ("张三", "男", resident_id(dt.date(1980, 1, 1)), "户主"),
            ("李四", "女", resident_id(dt.date(1982, 1, 1), male=False), "配偶"),
            ("张小", "男", child, "之子"),
        ],
    )
    response = await registry.client.post(
        "/imports", files={"file": ("登记表.csv", template.csv_file(rows))}, headers=headers
    )
    assert response.status_code == 202, response.text
    for _ in range(600):
        result = (await registry.client.get(f"/imports/{response.json()['id']}", headers=headers)).json()
        if result["finished_at"] is not None:
            break
        await asyncio.sleep(0.05)
    assert result["status"] == "accepted", result
    listed = (await registry.client.get("/households", headers=headers)).json()["items"]
    assert [(item["member_count"], item["per_capita_net_income"]) for item in listed] == [(3, "2350.00")]
    incomes = (await registry.client.get(f"/households/{listed[0]['id']}/incomes", headers=headers)).json()
    assert [(row["year"], row["member_count"], row["per_capita_net_income"]) for row in incomes] == [
        (last_year, 2, "2350.00")  # 3000 + 1500 + 800 + 0 - 600 = 4700 for the two parents
    ]
    assert await outbox_incomes(registry, listed[0]["id"]) == [(last_year, 2, "2350.00")]
    # The API records the same year the same way.
    again = await registry.client.put(
        f"/households/{listed[0]['id']}/incomes/{last_year}",
        json={"wage": "3000", "business": "1500", "transfer": "800", "production_costs": "600"},
        headers=headers,
    )
    assert (again.json()["member_count"], again.json()["per_capita_net_income"]) == (2, "2350.00")


def test_the_import_refuses_an_income_year_before_everyone_on_the_form_was_born() -> None:
    validator = validation.Validator("520102000000", PiiCipher(os.urandom(32)), ("user:test", "county"))
    rows = form_rows(
        "Q2",
        2000,
        [
            ("张三", "男", resident_id(dt.date(2001, 1, 1)), "户主"),
            ("李四", "女", resident_id(dt.date(2002, 1, 1), male=False), "配偶"),
        ],
    )
    checked = validator.check(validation.Group(1, "Q2", list(enumerate(rows, start=2))))
    assert [(problem.row, problem.field, problem.reason) for problem in checked.problems] == [
        (2, "年度", "nobody lived in the household at the end of 2000: no per-capita income to compute")
    ]
    # A year someone was born by: staged with the members born by its end.
    rows = form_rows(
        "Q3",
        2001,
        [
            ("张三", "男", resident_id(dt.date(2001, 1, 1)), "户主"),
            ("李四", "女", resident_id(dt.date(2002, 1, 1), male=False), "配偶"),
        ],
    )
    checked = validator.check(validation.Group(1, "Q3", list(enumerate(rows, start=2))))
    assert checked.problems == [] and checked.staged is not None
    staged = dict(zip(validation.STAGE_HOUSEHOLD_COLUMNS, checked.staged.household, strict=True))
    assert (staged["member_count"], staged["income_member_count"]) == (2, 1)
    assert str(staged["per_capita_net_income"]) == "4700.00"
