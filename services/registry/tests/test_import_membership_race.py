"""An import racing membership changes made through the API.

The import checks the people of its file (in no household now; none gone from one after the file's
登记日期) and then applies it. A person who joined another household through the API and left it again
between the two was registered by the file from before the day they left: on record in two households at
once. The test holds the import right after its checks, and sends the join (and, if it goes through, the
departure) meanwhile: whatever the order, no person may end up with two memberships whose periods overlap.
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
from typing import Any

import pytest
from sqlalchemy import text

from fupin_kit.pii import check_digit
from registry.households import repository as households_repository
from registry.imports import repository, template

VILLAGE = "520102016001"
COUNTY = "520102000000"
FILE_DATE = "2025-03-01"
JOINED_ELSEWHERE = "2025-01-01"
LEFT_ELSEWHERE = "2025-06-01"
RACER = "龙飞燕"

_serial = itertools.count(1)


def _resident_id(*, female: bool) -> str:
    first17 = f"52010219820202{next(_serial) * 2 + (0 if female else 1):03d}"
    return first17 + check_digit(first17)


def _member(name: str, relation: str, resident_id: str, *, female: bool) -> dict[str, Any]:
    return {
        "name": name,
        "sex": "female" if female else "male",
        "resident_id": resident_id,
        "relation": relation,
        "health": "healthy",
        "labour_capacity": "ordinary",
    }


def _file(racer_id: str) -> bytes:
    """One household of two dated FILE_DATE: a head, and the racer as his spouse."""
    values = dict(zip(template.HEADERS, template.EXAMPLE_ROWS[0], strict=True))
    values.update({"户编号": "R1", "村代码": VILLAGE, "户主姓名": "龙大山", "登记日期": FILE_DATE})
    people = [("龙大山", "男", _resident_id(female=False), "户主"), (RACER, "女", racer_id, "配偶")]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(template.HEADERS)
    for index, (name, sex, resident_id, relation) in enumerate(people):
        row = dict(values) if index == 0 else dict.fromkeys(template.HEADERS, "")
        row.update(
            {
                "户编号": "R1",
                "姓名": name,
                "性别": sex,
                "证件号码": resident_id,
                "与户主关系": relation,
                "民族": "汉族",
                "健康状况": "健康",
                "劳动能力": "普通劳动力",
            }
        )
        writer.writerow([row[header] for header in template.HEADERS])
    return out.getvalue().encode()


async def _waiting_on_an_advisory_lock(registry: Any) -> None:
    while True:
        async with registry.app.state.engine.connect() as connection:
            waiting = await connection.scalar(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            )
        if waiting:
            return
        await asyncio.sleep(0.02)


async def test_a_person_joining_and_leaving_while_an_import_is_applied_is_never_in_two_households(
    writable_registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = writable_registry
    cadre = dict(registry.auth("village", VILLAGE, ["cadre"]))
    officer = dict(registry.auth("county", COUNTY, ["officer"]))
    created = await registry.client.post(
        "/households",
        json={
            "division": VILLAGE,
            "village_group": "一组",
            "address": "纪念塔路 3 号",
            "identification_standard": "national",
            "attribute": "general",
            "main_cause": "illness",
            "registered_on": "2020-01-01",
            "members": [_member("杨老汉", "head", _resident_id(female=False), female=False)],
        },
        headers=cadre,
    )
    assert created.status_code == 201, created.text
    elsewhere = created.json()["id"]
    racer_id = _resident_id(female=True)

    checked, release = asyncio.Event(), asyncio.Event()
    staged_counts = repository.staged_counts

    async def held_after_the_checks(driver: Any) -> tuple[int, int]:
        checked.set()
        await release.wait()
        return await staged_counts(driver)

    monkeypatch.setattr(repository, "staged_counts", held_after_the_checks)
    upload = await registry.client.post(
        "/imports", files={"file": ("登记表.csv", _file(racer_id))}, headers=officer
    )
    assert upload.status_code == 202, upload.text
    await asyncio.wait_for(checked.wait(), 60)

    try:
        join = asyncio.create_task(
            registry.client.post(
                f"/households/{elsewhere}/members",
                json={
                    "change": "marriage_in",
                    "effective_on": JOINED_ELSEWHERE,
                    "reason": "嫁入",
                    "member": _member(RACER, "spouse", racer_id, female=True),
                },
                headers=cadre,
            )
        )
        blocked = asyncio.create_task(_waiting_on_an_advisory_lock(registry))
        await asyncio.wait({join, blocked}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        blocked.cancel()
        if join.done() and join.result().status_code == 201:
            # Nothing held the join back: the person leaves again, all before the file is applied.
            members = join.result().json()["members"]
            racer = next(member["id"] for member in members if member["name"] == RACER)
            left = await registry.client.post(
                f"/households/{elsewhere}/members/{racer}/departure",
                json={"change": "move_out", "effective_on": LEFT_ELSEWHERE, "reason": "外出"},
                headers=cadre,
            )
            assert left.status_code == 200, left.text
    finally:
        release.set()
    outcome = await registry.finished(upload.json()["id"], officer)
    joined = await asyncio.wait_for(join, 30)

    async with registry.app.state.engine.connect() as connection:
        spells = (
            await connection.execute(
                text(
                    "SELECT joined_on, left_on FROM household_members WHERE name = :name ORDER BY joined_on"
                ),
                {"name": RACER},
            )
        ).all()
    assert spells, "the person is on record somewhere"
    for (_, earlier_left), (later_joined, _) in itertools.pairwise(spells):
        assert earlier_left is not None and earlier_left <= later_joined, (
            f"two households at once: {spells} (import {outcome['status']}, join {joined.status_code})"
        )
    # The file was applied first (its checks held); the join then finds the person in a household.
    assert outcome["status"] == "accepted"
    assert joined.status_code in (409, 422), joined.text


async def test_a_membership_change_waiting_too_long_for_an_import_is_a_503_and_changes_nothing(
    writable_registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = writable_registry
    cadre = dict(registry.auth("village", VILLAGE, ["cadre"]))
    monkeypatch.setattr(households_repository, "MEMBERSHIP_LOCK_WAIT", "300ms")
    body = {
        "division": VILLAGE,
        "village_group": "二组",
        "address": "纪念塔路 5 号",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "registered_on": "2020-01-01",
        "members": [_member("罗大哥", "head", _resident_id(female=False), female=False)],
    }
    async with registry.app.state.engine.connect() as importing:
        # What an import holds from its checks to its commit.
        driver = await repository.driver_of(importing)
        async with repository.membership_frozen(driver):
            refused = await registry.client.post("/households", json=body, headers=cadre)
        await importing.invalidate()
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "1"
    assert "waited too long" in refused.json()["detail"]
    async with registry.app.state.engine.connect() as connection:
        assert (
            await connection.scalar(text("SELECT count(*) FROM households WHERE address = '纪念塔路 5 号'"))
            == 0
        )
    again = await registry.client.post("/households", json=body, headers=cadre)
    assert again.status_code == 201, again.text
