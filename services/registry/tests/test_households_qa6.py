"""Households: rules found open by the registry domain acceptance pass (QA6 registry-domain), on real
PostgreSQL through the registry's HTTP API."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from typing import Any

import pytest

from fupin_kit import civil_time
from fupin_kit.pii import check_digit
from registry.imports import template, validation

VILLAGE = "520102016001"  # 纪念塔社区
COUNTY = "520102000000"

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


def household(members: list[dict[str, Any]], registered_on: str | None = "2020-01-01") -> dict[str, Any]:
    body = {
        "division": VILLAGE,
        "village_group": "三组",
        "address": "纪念塔路 1 号",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "members": members,
    }
    if registered_on is not None:
        body["registered_on"] = registered_on
    return body


def cadre(registry) -> dict[str, str]:
    headers: dict[str, str] = registry.auth("village", VILLAGE, ["cadre"])
    return headers


def officer(registry) -> dict[str, str]:
    headers: dict[str, str] = registry.auth("county", COUNTY, ["officer"])
    return headers


async def created(registry, body: dict[str, Any]) -> dict[str, Any]:
    response = await registry.client.post("/households", json=body, headers=cadre(registry))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


# ---- finding 1: dates are China's ------------------------------------------------------------------------


@pytest.fixture
def beijing_after_midnight(monkeypatch) -> dt.date:
    """The clock at 17:30 UTC today, which is 01:30 tomorrow in Beijing; China's date, returned."""
    utc_day = dt.datetime.now(dt.UTC).date()
    instant = dt.datetime.combine(utc_day, dt.time(17, 30), tzinfo=dt.UTC)
    monkeypatch.setattr(civil_time, "utc_now", lambda: instant)
    return utc_day + dt.timedelta(days=1)


async def test_dates_are_checked_against_today_in_china_not_the_process_utc_date(
    writable_registry, beijing_after_midnight
) -> None:
    registry, today = writable_registry, beijing_after_midnight
    client = registry.client
    # A file created without registered_on is dated China's today.
    data = await created(registry, household([member("head", dt.date(1970, 1, 1))], registered_on=None))
    assert data["members"][0]["joined_on"] == today.isoformat()
    # Today in China is not "in the future": a registration, a birth, a death, a decision dated today.
    data = await created(
        registry,
        household(
            [member("head", dt.date(1970, 1, 1)), member("spouse", dt.date(1972, 1, 1), male=False)],
            registered_on=today.isoformat(),
        ),
    )
    household_id = data["id"]
    baby = member("son", today)
    response = await client.post(
        f"/households/{household_id}/members",
        json={"change": "birth", "effective_on": today.isoformat(), "reason": "出生", "member": baby},
        headers=cadre(registry),
    )
    assert response.status_code == 201, response.text
    spouse = next(m for m in data["members"] if m["relation"]["code"] == "spouse")
    response = await client.post(
        f"/households/{household_id}/members/{spouse['id']}/death",
        json={"died_on": today.isoformat(), "reason": "病故"},
        headers=cadre(registry),
    )
    assert response.status_code == 200, response.text
    response = await client.post(
        f"/households/{household_id}/status-commands",
        json={"action": "register", "decided_on": today.isoformat(), "reason": "识别"},
        headers=officer(registry),
    )
    assert response.status_code == 200, response.text
    # Tomorrow in China is still the future.
    response = await client.post(
        "/households",
        json=household([member("head", dt.date(1970, 1, 1))], (today + dt.timedelta(days=1)).isoformat()),
        headers=cadre(registry),
    )
    assert response.status_code == 422, response.text


def test_the_import_reads_today_in_china_at_each_check(beijing_after_midnight) -> None:
    today = beijing_after_midnight
    # A baby born today in China (after the process started, and after midnight UTC would say) is valid.
    born_today = resident_id(today)
    assert validation._resident_id(born_today) == born_today
    assert validation._date(today.isoformat()) == today
    with pytest.raises(validation.FieldError):
        validation._date((today + dt.timedelta(days=1)).isoformat())


# ---- finding 3: status decisions in order -----------------------------------------------------------------


async def status(registry, household_id: str, action: str, decided_on: str) -> Any:
    return await registry.client.post(
        f"/households/{household_id}/status-commands",
        json={"action": action, "decided_on": decided_on, "reason": "县级决定"},
        headers=officer(registry),
    )


async def test_a_status_decision_is_not_dated_before_the_one_it_follows_nor_before_registration(
    writable_registry,
) -> None:
    registry = writable_registry
    data = await created(registry, household([member("head", dt.date(1970, 1, 1))], "2024-03-01"))
    hid = data["id"]
    refused = await status(registry, hid, "register", "2024-02-28")  # before the file existed
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "date-too-early"
    assert "registered (2024-03-01)" in refused.json()["detail"]
    assert (await status(registry, hid, "register", "2024-05-01")).status_code == 200
    assert (await status(registry, hid, "exit", "2025-06-01")).status_code == 200
    refused = await status(registry, hid, "return", "2024-06-01")  # before the exit it reverses
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "date-too-early"
    assert "latest status decision (2025-06-01)" in refused.json()["detail"]
    current = await registry.client.get(f"/households/{hid}", headers=cadre(registry))
    assert current.json()["status"]["code"] == "exited"
    assert (
        await status(registry, hid, "return", "2025-06-01")
    ).status_code == 200  # the same day is in order


async def test_an_exit_dated_before_the_registration_year_says_so(writable_registry) -> None:
    registry = writable_registry
    hid = (await created(registry, household([member("head", dt.date(1970, 1, 1))], "2020-03-01")))["id"]
    # Registered by identification's event (no decided_on): the order check has only its day to go on.
    assert (await status(registry, hid, "register", "2024-05-01")).status_code == 200
    refused = await registry.client.post(
        f"/households/{hid}/status-commands",
        json={"action": "exit", "decided_on": "2023-06-01", "reason": "县级决定"},
        headers=officer(registry),
    )
    assert refused.status_code == 422 and refused.json()["code"] == "date-too-early", refused.text


# ---- finding 2: one person, one household at a time -------------------------------------------------------


def form_rows(key: str, registered_on: str, members: list[tuple[str, str, str, str]]) -> list[list[str]]:
    """登记表 rows of one household: (姓名, 性别, 证件号码, 与户主关系) per member."""
    rows = []
    for index, (name, sex, person, relation) in enumerate(members):
        row = dict(zip(template.HEADERS, template.EXAMPLE_ROWS[min(index, 1)], strict=True))
        row.update({"户编号": key, "姓名": name, "性别": sex, "证件号码": person, "与户主关系": relation})
        for header in ("年度", "工资性收入", "家庭经营性收入", "转移性收入", "财产性收入", "生产经营性支出"):
            row[header] = ""
        if index == 0:
            row.update({"户主姓名": name, "登记日期": registered_on})
        rows.append([row[header] for header in template.HEADERS])
    return rows


async def import_file(registry, rows: list[list[str]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    response = await registry.client.post(
        "/imports", files={"file": ("登记表.csv", template.csv_file(rows))}, headers=officer(registry)
    )
    assert response.status_code == 202, response.text
    for _ in range(600):
        result = (
            await registry.client.get(f"/imports/{response.json()['id']}", headers=officer(registry))
        ).json()
        if result["finished_at"] is not None:
            break
        await asyncio.sleep(0.05)
    lines = (await registry.client.get(f"/imports/{result['id']}/report", headers=officer(registry))).json()
    return result, lines["lines"]


async def test_a_new_file_is_not_dated_before_a_member_left_their_previous_household(
    writable_registry,
) -> None:
    registry = writable_registry
    year = civil_time.china_today().year - 1
    mover = member("head", dt.date(1980, 1, 1), name="测甲")
    first = await created(registry, household([mover, member("spouse", dt.date(1982, 1, 1), male=False)]))
    moved = await registry.client.post(
        f"/households/{first['id']}/members/{first['members'][0]['id']}/departure",
        json={
            "change": "move_out",
            "effective_on": f"{year}-03-10",
            "reason": "迁出",
            "new_head_member_id": first["members"][1]["id"],
        },
        headers=cadre(registry),
    )
    assert moved.status_code == 200, moved.text
    wife = member("spouse", dt.date(1985, 1, 1), male=False, name="新妻")
    refused = await registry.client.post(
        "/households", json=household([mover, wife], f"{year}-03-01"), headers=cadre(registry)
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["loc"] == ["body", "registered_on"]
    # The import refuses the same file.
    rows = form_rows(
        "M1",
        f"{year}-03-01",
        [("测甲", "男", mover["resident_id"], "户主"), ("新妻", "女", wife["resident_id"], "配偶")],
    )
    result, lines = await import_file(registry, rows)
    assert result["status"] == "rejected", result
    assert [(line["field"], line["status"]) for line in lines if line["status"] == "rejected"] == [
        ("登记日期", "rejected")
    ]
    # Dated on the day he left: accepted; and he is counted in the new file's incomes only from then.
    second = await created(registry, household([mover, wife], f"{year}-03-10"))
    before = await registry.client.put(
        f"/households/{second['id']}/incomes/{year - 1}", json={"wage": "8000"}, headers=cadre(registry)
    )
    assert (before.json()["member_count"], before.json()["per_capita_net_income"]) == (1, "8000.00")
    after = await registry.client.put(
        f"/households/{second['id']}/incomes/{year}", json={"wage": "8000"}, headers=cadre(registry)
    )
    assert (after.json()["member_count"], after.json()["per_capita_net_income"]) == (2, "4000.00")


# ---- finding 5: the head leaves ----------------------------------------------------------------------------


async def test_a_head_who_leaves_others_behind_names_the_new_head_in_the_same_request(
    writable_registry,
) -> None:
    registry = writable_registry
    data = await created(
        registry,
        household(
            [
                member("head", dt.date(1960, 1, 1), name="测甲"),
                member("spouse", dt.date(1962, 1, 1), male=False, name="测乙"),
                member("son", dt.date(1990, 1, 1), name="测丙"),
            ]
        ),
    )
    hid = data["id"]
    head, spouse, son = (m["id"] for m in data["members"])
    on = civil_time.china_today().isoformat()
    refused = await registry.client.post(
        f"/households/{hid}/members/{head}/departure",
        json={"change": "move_out", "effective_on": on, "reason": "迁出"},
        headers=cadre(registry),
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "head-required"
    assert "new_head_member_id" in refused.json()["detail"]
    refused = await registry.client.post(
        f"/households/{hid}/members/{spouse}/departure",
        json={"change": "move_out", "effective_on": on, "reason": "迁出", "new_head_member_id": son},
        headers=cadre(registry),
    )
    assert refused.status_code == 422, refused.text  # only the head's departure names a new head
    refused = await registry.client.post(
        f"/households/{hid}/members/{head}/death",
        json={"died_on": on, "reason": "病故", "new_head_member_id": head},
        headers=cadre(registry),
    )
    assert refused.status_code == 422, refused.text
    died = await registry.client.post(
        f"/households/{hid}/members/{head}/death",
        json={"died_on": on, "reason": "病故", "new_head_member_id": son},
        headers=cadre(registry),
    )
    assert died.status_code == 200, died.text
    after = died.json()
    assert after["head_name"] == "测丙"
    relations = {m["name"]: (m["relation"]["code"], m["status"]["code"]) for m in after["members"]}
    assert relations == {
        "测甲": ("head", "deceased"),
        "测乙": ("spouse", "active"),
        "测丙": ("head", "active"),
    }
    assert after["version"] == data["version"] + 1


# ---- finding 8: member changes keep their day in history --------------------------------------------------


async def test_member_change_history_rows_carry_the_changes_day(writable_registry) -> None:
    registry = writable_registry
    data = await created(
        registry, household([member("head", dt.date(1960, 1, 1)), member("son", dt.date(1990, 1, 1))])
    )
    hid, son = data["id"], data["members"][1]["id"]
    joined = await registry.client.post(
        f"/households/{hid}/members",
        json={
            "change": "marriage_in",
            "effective_on": "2024-05-01",
            "reason": "嫁入",
            "member": member("daughter_in_law", dt.date(1992, 1, 1), male=False),
        },
        headers=cadre(registry),
    )
    assert joined.status_code == 201, joined.text
    died = await registry.client.post(
        f"/households/{hid}/members/{son}/death",
        json={"died_on": "2025-12-31", "reason": "病故"},
        headers=cadre(registry),
    )
    assert died.status_code == 200, died.text
    history = (await registry.client.get(f"/households/{hid}/history", headers=cadre(registry))).json()
    assert [(row["action"], row["effective_on"]) for row in history] == [
        ("created", None),
        ("member.marriage_in", "2024-05-01"),
        ("member.death", "2025-12-31"),
    ]


# ---- finding 6: a death is told only within the jurisdiction of the household it happened in ---------------


async def test_a_death_outside_the_callers_jurisdiction_is_answered_as_any_person_who_cannot_join(
    writable_registry,
) -> None:
    registry = writable_registry
    data = await created(
        registry,
        household([member("head", dt.date(1960, 1, 1)), member("spouse", dt.date(1962, 1, 1), False)]),
    )
    spouse = data["members"][1]
    died = await registry.client.post(
        f"/households/{data['id']}/members/{spouse['id']}/death",
        json={"died_on": "2024-06-01", "reason": "病故"},
        headers=cadre(registry),
    )
    assert died.status_code == 200, died.text
    again = {**member("spouse", dt.date(1962, 1, 1), False), "resident_id": spouse["resident_id"]}
    elsewhere = "520102016002"  # a sibling village: it cannot read the household she died in
    outsider = registry.auth("village", elsewhere, ["cadre"])
    body = {**household([member("head", dt.date(1958, 1, 1)), again]), "division": elsewhere}
    refused = await registry.client.post("/households", json=body, headers=outsider)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "person-already-registered"
    assert refused.json()["detail"] == "this person already belongs to a household: members.1.resident_id"
    assert "deceased" not in refused.text
    # Her own village's cadre is told.
    own = await registry.client.post(
        "/households", json=household([member("head", dt.date(1958, 1, 1)), again]), headers=cadre(registry)
    )
    assert own.status_code == 409 and own.json()["code"] == "person-deceased", own.text


async def test_the_import_tells_a_death_only_within_the_importers_jurisdiction(writable_registry) -> None:
    registry = writable_registry
    other_village = "520103019001"  # another county
    other = registry.auth("village", other_village, ["cadre"])
    head, spouse = member("head", dt.date(1960, 1, 1)), member("spouse", dt.date(1962, 1, 1), False)
    response = await registry.client.post(
        "/households", json={**household([head, spouse]), "division": other_village}, headers=other
    )
    assert response.status_code == 201, response.text
    data = response.json()
    died = await registry.client.post(
        f"/households/{data['id']}/members/{data['members'][1]['id']}/death",
        json={"died_on": "2024-06-01", "reason": "病故"},
        headers=other,
    )
    assert died.status_code == 200, died.text
    rows = form_rows(
        "D1",
        "2024-07-01",
        [
            ("张三", "男", resident_id(dt.date(1958, 1, 1)), "户主"),
            ("李四", "女", spouse["resident_id"], "配偶"),
        ],
    )
    result, lines = await import_file(registry, rows)
    assert result["status"] == "rejected", result
    assert [(line["field"], line["reason"]) for line in lines if line["status"] == "rejected"] == [
        ("证件号码", "this person already belongs to a household")
    ]


# ---- finding 7: the city and province supervise the files, they do not keep them ---------------------------


async def test_city_and_province_officers_cannot_create_or_edit_household_files(writable_registry) -> None:
    registry = writable_registry
    data = await created(registry, household([member("head", dt.date(1960, 1, 1))]))
    for tier, division in (("city", "520100000000"), ("province", "520000000000")):
        headers = registry.auth(tier, division, ["officer"])
        refused = await registry.client.post(
            "/households", json=household([member("head", dt.date(1961, 1, 1))]), headers=headers
        )
        assert refused.status_code == 403, refused.text
        assert "city and province tiers supervise" in refused.json()["detail"]
        refused = await registry.client.patch(
            f"/households/{data['id']}", json={"phone": "13900000002", "reason": "更正"}, headers=headers
        )
        assert refused.status_code == 403, refused.text
        refused = await registry.client.put(
            f"/households/{data['id']}/incomes/2024", json={"wage": "1000"}, headers=headers
        )
        assert refused.status_code == 403, refused.text
        # They still read the file.
        read = await registry.client.get(f"/households/{data['id']}", headers=headers)
        assert read.status_code == 200, read.text
    county = await registry.client.patch(
        f"/households/{data['id']}",
        json={"phone": "13900000002", "reason": "更正"},
        headers=officer(registry),
    )
    assert county.status_code == 200, county.text
