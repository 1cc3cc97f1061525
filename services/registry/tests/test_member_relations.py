"""Members' relations to the head (与户主关系) are checked (QA registry-data §6): at most one active spouse,
a newborn is a child or grandchild of the head, and parents, grandparents, children and grandchildren are
born years enough before or after the head; the 登记表 import refuses what the API refuses."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from typing import Any

from sqlalchemy import text

from fupin_kit.pii import check_digit
from registry.households import relations
from registry.imports import template

VILLAGE = "520102016001"  # 纪念塔社区
COUNTY = "520102000000"
HEAD_BORN = dt.date(1970, 6, 15)

_serial = itertools.count(1)


def resident_id(born: dt.date, male: bool = True) -> str:
    """A valid ID of someone born on `born`, unique per call (sequence: odd for men, even for women)."""
    first17 = f"520102{born:%Y%m%d}{(next(_serial) * 2 + (1 if male else 0)) % 1000:03d}"
    return first17 + check_digit(first17)


def member(relation: str, born: dt.date, male: bool = True) -> dict[str, Any]:
    return {
        "name": "张三" if male else "李四",
        "sex": "male" if male else "female",
        "resident_id": resident_id(born, male),
        "relation": relation,
        "health": "healthy",
        "labour_capacity": "ordinary",
    }


def head() -> dict[str, Any]:
    return member("head", HEAD_BORN)


def household(members: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "division": VILLAGE,
        "village_group": "三组",
        "address": "纪念塔路 1 号",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "members": members,
        "registered_on": "2020-01-01",
    }


def cadre(registry: Any) -> dict[str, str]:
    headers: dict[str, str] = registry.auth("village", VILLAGE, ["cadre"])
    return headers


async def create(registry: Any, members: list[dict[str, Any]]) -> Any:
    return await registry.client.post("/households", json=household(members), headers=cadre(registry))


async def created(registry: Any, members: list[dict[str, Any]]) -> dict[str, Any]:
    response = await create(registry, members)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def join(
    registry: Any, hid: str, change: str, person: dict[str, Any], on: dt.date | None = None
) -> Any:
    body = {
        "change": change,
        "effective_on": (on or dt.date.today()).isoformat(),
        "reason": "成员变动",
        "member": person,
    }
    return await registry.client.post(f"/households/{hid}/members", json=body, headers=cadre(registry))


async def update(registry: Any, hid: str, member_id: str, **changes: Any) -> Any:
    return await registry.client.patch(
        f"/households/{hid}/members/{member_id}", json={**changes, "reason": "更正"}, headers=cadre(registry)
    )


def refused(response: Any, *locs: list[Any]) -> list[str]:
    """A 422 whose errors name exactly `locs`; their messages."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert [error["loc"] for error in errors] == list(locs), errors
    return [error["msg"] for error in errors]


async def count(registry: Any, sql: str) -> int:
    async with registry.app.state.engine.connect() as connection:
        return int((await connection.execute(text(sql))).scalar_one())


def shifted(day: dt.date, years: int, days: int = 0) -> dt.date:
    return day.replace(year=day.year + years) + dt.timedelta(days=days)


# ---- rule 1: at most one active spouse ---------------------------------------------------------------


async def test_a_household_has_at_most_one_active_spouse(writable_registry) -> None:
    registry = writable_registry
    wife, second = member("spouse", dt.date(1972, 1, 1), False), member("spouse", dt.date(1975, 1, 1), False)
    # Create: the second spouse is named; nothing is written.
    msgs = refused(await create(registry, [head(), wife, second]), ["body", "members", 2, "relation"])
    assert msgs == [relations.SECOND_SPOUSE]
    assert await count(registry, "SELECT count(*) FROM households") == 0
    data = await created(registry, [head(), wife, member("daughter", dt.date(1995, 3, 1), False)])
    hid = data["id"]
    by_relation = {row["relation"]["code"]: row["id"] for row in data["members"]}
    # A join beside the active spouse.
    msgs = refused(await join(registry, hid, "marriage_in", second), ["body", "member", "relation"])
    assert msgs == [relations.SECOND_SPOUSE]
    # An update making another member spouse.
    msgs = refused(
        await update(registry, hid, by_relation["daughter"], relation="spouse"), ["body", "relation"]
    )
    assert msgs == [relations.SECOND_SPOUSE]
    # Only active spouses count: once the spouse has died, a new one marries in.
    died = await registry.client.post(
        f"/households/{hid}/members/{by_relation['spouse']}/death",
        json={"died_on": "2024-06-01", "reason": "病故"},
        headers=cadre(registry),
    )
    assert died.status_code == 200, died.text
    married = await join(registry, hid, "marriage_in", second, dt.date(2025, 1, 1))
    assert married.status_code == 201, married.text
    spouses = [row for row in married.json()["members"] if row["relation"]["code"] == "spouse"]
    assert [row["status"]["code"] for row in spouses] == ["deceased", "active"]


# ---- rule 2: a newborn is a child or grandchild of the head ---------------------------------------------


async def test_a_member_joining_by_birth_is_a_child_or_grandchild_of_the_head(writable_registry) -> None:
    registry = writable_registry
    hid = (await created(registry, [head()]))["id"]
    born = dt.date.today() - dt.timedelta(days=10)
    for relation in ("spouse", "sibling", "daughter_in_law", "son_in_law"):
        msgs = refused(
            await join(registry, hid, "birth", member(relation, born, relation != "daughter_in_law")),
            ["body", "member", "relation"],
        )
        assert msgs == [relations.BIRTH_RELATION.format(relation=relation)]
    # A newborn 'father' is wrong twice: nobody is born a parent, and not 12 years after the head either.
    msgs = refused(
        await join(registry, hid, "birth", member("father", born)),
        ["body", "member", "relation"],
        ["body", "member", "relation"],
    )
    assert msgs[0] == relations.BIRTH_RELATION.format(relation="father")
    assert "born at least 12 years before the head" in msgs[1]
    assert await count(registry, "SELECT count(*) FROM household_members") == 1
    for relation, male in (
        ("son", True),
        ("granddaughter", False),
        ("daughters_son", True),
        ("other", False),
    ):
        joined = await join(registry, hid, "birth", member(relation, born, male))
        assert joined.status_code == 201, joined.text
    # Someone older moving in may be any relation.
    moved = await join(registry, hid, "move_in", member("sibling", dt.date(1972, 1, 1)))
    assert moved.status_code == 201, moved.text


# ---- rule 3: generations are years apart ------------------------------------------------------------------


async def test_parents_and_children_are_born_years_before_and_after_the_head(writable_registry) -> None:
    registry = writable_registry
    gap, grand = relations.PARENT_GAP_YEARS, relations.GRANDPARENT_GAP_YEARS
    # The QA case: a 'father' 25 years younger than the head.
    msgs = refused(
        await create(registry, [head(), member("father", shifted(HEAD_BORN, 25))]),
        ["body", "members", 1, "relation"],
    )
    assert msgs == [
        "a father is born at least 12 years before the head (born 1995-06-15, the head 1970-06-15): "
        "check the relation or the birth date"
    ]
    # One day short of each gap: every such member is named.
    implausible = [
        member("mother", shifted(HEAD_BORN, -gap, 1), False),
        member("grandfather", shifted(HEAD_BORN, -grand, 1)),
        member("son", shifted(HEAD_BORN, gap, -1)),
        member("granddaughter", shifted(HEAD_BORN, grand, -1), False),
    ]
    msgs = refused(
        await create(registry, [head(), *implausible]),
        *[["body", "members", position, "relation"] for position in range(1, 5)],
    )
    assert [msg.split(" (")[0] for msg in msgs] == [
        "a mother is born at least 12 years before the head",
        "a grandfather is born at least 24 years before the head",
        "a son is born at least 12 years after the head",
        "a granddaughter is born at least 24 years after the head",
    ]
    assert await count(registry, "SELECT count(*) FROM households") == 0
    # The gaps themselves are accepted; in-laws of the younger generation are not bounded by the head.
    data = await created(
        registry,
        [
            head(),
            member("mother", shifted(HEAD_BORN, -gap), False),
            member("grandfather", shifted(HEAD_BORN, -grand)),
            member("son", shifted(HEAD_BORN, gap)),
            member("granddaughter", shifted(HEAD_BORN, grand), False),
            member("daughter_in_law", HEAD_BORN - dt.timedelta(days=400), False),
        ],
    )
    hid = data["id"]
    # A member moving in, and an update of a member's relation, are held to the same rule.
    msgs = refused(
        await join(registry, hid, "move_in", member("father_in_law", dt.date(1980, 1, 1))),
        ["body", "member", "relation"],
    )
    assert msgs[0].startswith("a father_in_law is born at least 12 years before the head")
    in_law = next(row["id"] for row in data["members"] if row["relation"]["code"] == "daughter_in_law")
    msgs = refused(await update(registry, hid, in_law, relation="daughter"), ["body", "relation"])
    assert msgs[0].startswith("a daughter is born at least 12 years after the head")
    # A new head: the former head's new relation is compared with the new head's birth date.
    son = next(row["id"] for row in data["members"] if row["relation"]["code"] == "son")
    msgs = refused(
        await update(registry, hid, son, relation="head", former_head_relation="son"),
        ["body", "former_head_relation"],
    )
    assert msgs[0].startswith("a son is born at least 12 years after the head")
    handed = await update(registry, hid, son, relation="head", former_head_relation="father")
    assert handed.status_code == 200, handed.text


# ---- the 登记表 import ------------------------------------------------------------------------------------


def form_rows(key: str, members: list[tuple[str, str, str, str]]) -> list[list[str]]:
    """登记表 rows of one household: (姓名, 性别, 证件号码, 与户主关系) per member."""
    rows = []
    for index, (name, sex, person, relation) in enumerate(members):
        row = dict(zip(template.HEADERS, template.EXAMPLE_ROWS[min(index, 1)], strict=True))
        row.update({"户编号": key, "村代码": VILLAGE, "姓名": name, "性别": sex, "证件号码": person})
        row["与户主关系"] = relation
        if index == 0:
            row["户主姓名"] = name
        rows.append([row[header] for header in template.HEADERS])
    return rows


async def test_the_import_refuses_the_relations_the_api_refuses(writable_registry) -> None:
    registry = writable_registry
    headers = registry.auth("county", COUNTY, ["officer"])
    rows = form_rows(
        "R1",
        [
            ("张三", "男", resident_id(HEAD_BORN), "户主"),
            ("李四", "女", resident_id(dt.date(1972, 1, 1), male=False), "配偶"),
            ("王五", "女", resident_id(dt.date(1974, 1, 1), male=False), "配偶"),
            ("张父", "男", resident_id(dt.date(1995, 1, 1)), "之父"),
        ],
    ) + form_rows(
        "R2",
        [
            ("赵六", "男", resident_id(HEAD_BORN), "户主"),
            ("赵子", "男", resident_id(dt.date(1998, 1, 1)), "之子"),
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
    assert result["status"] == "rejected", result
    report = await registry.client.get(f"/imports/{result['id']}/report", headers=headers)
    assert report.status_code == 200, report.text
    rejected = [
        (line["row"], line["household_key"], line["field"], line["reason"].split(" (born")[0])
        for line in report.json()["lines"]
        if line["status"] == "rejected"
    ]
    assert rejected == [
        (4, "R1", "与户主关系", relations.SECOND_SPOUSE),
        (5, "R1", "与户主关系", "a father is born at least 12 years before the head"),
    ]
    assert await count(registry, "SELECT count(*) FROM households") == 0
