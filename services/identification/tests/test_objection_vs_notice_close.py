"""QA9-R1: an objection filed at the very end of a notice and a close of that notice (a tick) serialise on
the notice's row. Either the objection is taken first, and the close leaves the notice open (its ticket
must be resolved before the step completes; a tick skipped meanwhile closes it in a later round once the
ticket is dismissed), or the close commits first, and the objection is refused as the notice has closed.
Each test holds one request at a chosen point with asyncio events, so the interleaving is the same on
every run: without the serialisation the close went through with the ticket left open for good."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from fupin_kit.testing import Gate, running
from identification.cases import repository as case_repository
from identification.notices import repository as notice_repository
from identification.objections import service as objection_service

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
DAY = 86_400
# A bound on each wait, so a regression shows as a failure rather than a hung run.
WAIT_S = 10.0


async def _object(harness: Harness, notice_id: str, case_id: str) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/public/notices/{notice_id}/objections", json={"case_id": case_id, "text": "临界异议：他家有车"}
    )
    return response


async def _tick(harness: Harness) -> httpx.Response:
    response: httpx.Response = await harness.client.post("/notices/tick", json={}, headers=harness.township())
    return response


async def _waiting_on_a_lock(harness: Harness, task: asyncio.Task[Any]) -> None:
    """Until `task` has finished or some transaction of this database waits for a row lock."""
    for _ in range(int(WAIT_S / 0.02)):
        if task.done():
            return
        (waiting,) = await harness.sql(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if waiting[0]:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the request neither finished nor waited for a lock")


async def _notice_status(harness: Harness, notice_id: str) -> str:
    (row,) = await harness.sql("SELECT status FROM notices WHERE id = :n", n=notice_id)
    return str(row[0])


def _hold_before_locking_the_case(monkeypatch: pytest.MonkeyPatch) -> Gate:
    """The objection, held once it has checked the notice and before it locks the case."""
    gate = Gate()
    get_case: Callable[..., Awaitable[Any]] = case_repository.get_case

    async def held(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("lock"):
            await gate.hold()
        return await get_case(*args, **kwargs)

    monkeypatch.setattr(case_repository, "get_case", held)
    return gate


def _hold_before_submitting(monkeypatch: pytest.MonkeyPatch) -> Gate:
    """The objection, held after it read the service clock and before it reads the notice."""
    gate = Gate()
    submit: Callable[..., Awaitable[Any]] = objection_service.submit

    async def held(*args: Any, **kwargs: Any) -> Any:
        await gate.hold()
        return await submit(*args, **kwargs)

    monkeypatch.setattr(objection_service, "submit", held)
    return gate


def _hold_after_picking_due_notices(monkeypatch: pytest.MonkeyPatch) -> Gate:
    """The tick, held once it has picked (and locked) the due notices and before it closes them."""
    gate = Gate()
    due_notices: Callable[..., Awaitable[Any]] = notice_repository.due_notices

    async def held(*args: Any, **kwargs: Any) -> Any:
        due = await due_notices(*args, **kwargs)
        await gate.hold()
        return due

    monkeypatch.setattr(notice_repository, "due_notices", held)
    return gate


async def test_an_objection_taken_at_the_end_holds_the_notice_against_a_concurrent_close(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    (case_id, other_id), notice_id = await harness.to_first_notice(households=2)
    objection_gate = _hold_before_locking_the_case(monkeypatch)
    async with running(_object(harness, notice_id, case_id)) as objection:
        await asyncio.wait_for(objection_gate.arrived.wait(), WAIT_S)
        # The notice's end passes while the objection (filed before it) is being taken.
        await harness.advance_clock(8 * DAY)
        tick = await _tick(harness)
        assert tick.status_code == 200, tick.text
        assert tick.json()["closed"] == [], "the notice closed under an objection being taken"
        objection_gate.open()
        accepted = await asyncio.wait_for(objection, WAIT_S)
    assert accepted.status_code == 201, accepted.text

    # The next round sees the open ticket: the notice stays open and the case on it.
    later = await _tick(harness)
    assert later.json()["closed"] == []
    assert await _notice_status(harness, notice_id) == "open"
    assert await harness.state(case_id) == "first_notice"
    upheld = await harness.client.post(
        f"/objections/{accepted.json()['id']}/resolve",
        json={"outcome": "upheld", "reason": "核实属实，退回重新核实"},
        headers=harness.township(),
    )
    assert upheld.status_code == 200, upheld.text
    assert await harness.state(case_id) == "applied"  # back to verification

    # With the ticket resolved, a later round closes the notice for the household still on it.
    closing = await _tick(harness)
    assert closing.json()["closed"] == [notice_id]
    assert await harness.state(other_id) == "first_noticed"


async def test_an_objection_waiting_on_a_closing_notice_is_refused(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    (case_id,), notice_id = await harness.to_first_notice()
    objection_gate = _hold_before_submitting(monkeypatch)
    tick_gate = _hold_after_picking_due_notices(monkeypatch)
    async with running(_object(harness, notice_id, case_id)) as objection:
        # The objection was filed (its clock read) before the end; the tick runs after it.
        await asyncio.wait_for(objection_gate.arrived.wait(), WAIT_S)
        await harness.advance_clock(8 * DAY)
        async with running(_tick(harness)) as tick:
            await asyncio.wait_for(tick_gate.arrived.wait(), WAIT_S)
            objection_gate.open()
            await _waiting_on_a_lock(harness, objection)
            tick_gate.open()
            closed = await asyncio.wait_for(tick, WAIT_S)
        refused = await asyncio.wait_for(objection, WAIT_S)
    assert closed.status_code == 200, closed.text
    assert closed.json()["closed"] == [notice_id]
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "notice-closed"
    assert await harness.sql("SELECT count(*) FROM objections") == [(0,)]
    assert await harness.state(case_id) == "first_noticed"


async def test_an_objection_waiting_while_another_is_upheld_is_refused(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An objection that passed the listing check while another objection to the case was being upheld
    finds, once it holds the case, that the case has gone back to verification and off the notice."""
    (case_id, _other), notice_id = await harness.to_first_notice(households=2)
    first = await _object(harness, notice_id, case_id)
    assert first.status_code == 201, first.text
    gate = _hold_before_locking_the_case(monkeypatch)
    async with running(
        harness.client.post(
            f"/public/notices/{notice_id}/objections",
            json={"case_id": case_id, "text": "另一条异议：他家有房"},
        )
    ) as second:
        await asyncio.wait_for(gate.arrived.wait(), WAIT_S)
        upheld = await harness.client.post(
            f"/objections/{first.json()['id']}/resolve",
            json={"outcome": "upheld", "reason": "核实属实，退回重新核实"},
            headers=harness.township(),
        )
        assert upheld.status_code == 200, upheld.text
        gate.open()
        refused = await asyncio.wait_for(second, WAIT_S)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "case-closed"
    assert await harness.state(case_id) == "applied"
    assert await harness.sql("SELECT count(*) FROM objections") == [(1,)]
