"""QA9-R2 and QA9-R3 (races pass of 2026-11-28).

R2: a person joining a household while their departure from another is being written was dated before
the day they left (the join read no departure, the departure then committed, the insert went through):
the join and the departure of one person now serialise on the person's lock, and the join reads the
departure once it has committed. The test holds the departure's transaction open at a fixed point and
lets it commit right after the join read the departures, the interleaving the tester hit.

R3: a member PATCH that changes nothing made a new version, a history row and a member.updated event."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from typing import Any

from sqlalchemy import text

from fupin_kit.pii import check_digit
from registry.households import repository

VILLAGE = "520102016001"
COUNTY = "520102000000"
LEFT_ON = "2025-06-01"
JOINED_BEFORE_LEAVING = "2025-03-01"

_serial = itertools.count(1)


def _resident_id(*, female: bool) -> str:
    """A valid 18-digit ID born 1981-01-01, unique per call (the 17th digit: even for a woman)."""
    first17 = f"52010219810101{next(_serial) * 2 + (0 if female else 1):03d}"
    return first17 + check_digit(first17)


def _person(name: str, relation: str, *, female: bool, resident_id: str | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "sex": "female" if female else "male",
        "resident_id": resident_id or _resident_id(female=female),
        "relation": relation,
        "health": "healthy",
        "labour_capacity": "ordinary",
    }


def _household(*members: dict[str, Any]) -> dict[str, Any]:
    return {
        "division": VILLAGE,
        "village_group": "三组",
        "address": "纪念塔路 9 号",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "registered_on": "2020-01-01",
        "members": list(members),
    }


async def _create(registry: Any, body: dict[str, Any]) -> dict[str, Any]:
    answer = await registry.client.post("/households", json=body, headers=_cadre(registry))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _cadre(registry: Any) -> dict[str, str]:
    return dict(registry.auth("village", VILLAGE, ["cadre"]))


async def _waiting_on_a_person_lock(registry: Any) -> None:
    while True:
        async with registry.app.state.engine.connect() as connection:
            waiting = await connection.scalar(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            )
        if waiting:
            return
        await asyncio.sleep(0.02)


async def test_a_join_racing_the_persons_departure_is_not_dated_before_they_left(
    writable_registry: Any, monkeypatch: Any
) -> None:
    registry = writable_registry
    daughter_id = _resident_id(female=True)
    first = await _create(
        registry,
        _household(
            _person("石父", "head", female=False),
            _person("石嫁女", "daughter", female=True, resident_id=daughter_id),
        ),
    )
    second = await _create(registry, _household(_person("杨夫", "head", female=False)))
    daughter = next(member["id"] for member in first["members"] if member["name"] == "石嫁女")

    departure_staged, release_departure = asyncio.Event(), asyncio.Event()
    join_read, departure_committed = asyncio.Event(), asyncio.Event()
    count_active_members, last_departure = repository.count_active_members, repository.last_departure

    async def held_departure(session: Any, household_id: uuid.UUID) -> int:
        # The departure's member row is written, its transaction still open.
        if str(household_id) == first["id"]:
            departure_staged.set()
            await release_departure.wait()
        return await count_active_members(session, household_id)

    async def read_then_wait(session: Any, person_index: bytes) -> Any:
        # The join has read the person's departures: the departure commits right after.
        found = await last_departure(session, person_index)
        join_read.set()
        await departure_committed.wait()
        return found

    monkeypatch.setattr(repository, "count_active_members", held_departure)
    monkeypatch.setattr(repository, "last_departure", read_then_wait)

    leave = asyncio.create_task(
        registry.client.post(
            f"/households/{first['id']}/members/{daughter}/departure",
            json={"change": "marriage_out", "effective_on": LEFT_ON, "reason": "出嫁"},
            headers=_cadre(registry),
        )
    )
    await asyncio.wait_for(departure_staged.wait(), 30)
    join = asyncio.create_task(
        registry.client.post(
            f"/households/{second['id']}/members",
            json={
                "change": "marriage_in",
                "effective_on": JOINED_BEFORE_LEAVING,
                "reason": "嫁入",
                "member": _person("石嫁女", "spouse", female=True, resident_id=daughter_id),
            },
            headers=_cadre(registry),
        )
    )
    # Either the join read the departures already (nothing serialised it with the departure), or it
    # waits for the person's lock the departure holds.
    read_first = asyncio.create_task(join_read.wait())
    locked_out = asyncio.create_task(_waiting_on_a_person_lock(registry))
    await asyncio.wait({read_first, locked_out}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    read_first.cancel()
    locked_out.cancel()
    release_departure.set()
    left = await asyncio.wait_for(leave, 30)
    assert left.status_code == 200, left.text
    departure_committed.set()
    joined = await asyncio.wait_for(join, 30)

    assert joined.status_code == 422, joined.text
    assert "on or after the day they left" in joined.json()["detail"]
    async with registry.app.state.engine.connect() as connection:
        households = await connection.scalar(
            text("SELECT count(*) FROM household_members WHERE person_index = :p AND household_id = :h"),
            {"p": _index_of(registry, daughter_id), "h": uuid.UUID(second["id"])},
        )
    assert households == 0


def _index_of(registry: Any, resident_id: str) -> bytes:
    return bytes(registry.app.state.pii_cipher.blind_index(resident_id))


async def _versions_history_events(registry: Any, household_id: str) -> tuple[int, int, int]:
    async with registry.app.state.engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT (SELECT version FROM households WHERE id = :h),"
                    " (SELECT count(*) FROM household_history WHERE household_id = :h),"
                    " (SELECT count(*) FROM outbox WHERE aggregateid = :t AND type LIKE '%member.updated%')"
                ),
                {"h": uuid.UUID(household_id), "t": household_id},
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


async def test_a_member_patch_that_changes_nothing_makes_no_version(writable_registry: Any) -> None:
    registry = writable_registry
    created = await _create(
        registry, _household(_person("张三", "head", female=False), _person("张子", "son", female=False))
    )
    hid = created["id"]
    son = next(member["id"] for member in created["members"] if member["name"] == "张子")
    patch = {"health": "chronic", "reason": "更正"}
    first = await registry.client.patch(
        f"/households/{hid}/members/{son}", json=patch, headers=_cadre(registry)
    )
    assert first.status_code == 200, first.text
    counted = await _versions_history_events(registry, hid)

    for body in (patch, {"health": "chronic", "name": "张子", "relation": "son", "reason": "再次保存"}):
        again = await registry.client.patch(
            f"/households/{hid}/members/{son}", json=body, headers=_cadre(registry)
        )
        assert again.status_code == 200, again.text
        assert again.json() == first.json()
        assert await _versions_history_events(registry, hid) == counted

    # A field that does differ still makes its version, and the event names only that field.
    changed = await registry.client.patch(
        f"/households/{hid}/members/{son}",
        json={"health": "chronic", "dibao": True, "reason": "纳入低保"},
        headers=_cadre(registry),
    )
    assert changed.status_code == 200, changed.text
    version, history, events = await _versions_history_events(registry, hid)
    assert (version, history, events) == (counted[0] + 1, counted[1] + 1, counted[2] + 1)
    async with registry.app.state.engine.connect() as connection:
        payload = await connection.scalar(
            text(
                "SELECT payload FROM outbox WHERE aggregateid = :t AND type LIKE '%member.updated%' "
                "ORDER BY seq DESC LIMIT 1"
            ),
            {"t": hid},
        )
    assert payload.get("data", payload)["changed"] == ["dibao"]
