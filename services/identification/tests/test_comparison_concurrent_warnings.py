"""QA9-DE1: two department lists pushed at the same moment that both warn one household. Pushed one after
the other, the second skips the household (it has an open monitoring case by then); pushed at once, one
of them met the open case's unique index and was refused whole (409 case-open), its list lost. Each test
holds the first push with asyncio events once it has read the households to warn, so the interleaving is
the same on every run."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from fupin_kit.testing import Gate, running
from identification.comparisons import repository as comparison_repository

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
PROVINCE = "520000000000"
COUNTY = "520102000000"
# A bound on each wait, so a regression shows as a failure rather than a hung run.
WAIT_S = 10.0


def _hold_after_reading_the_households_to_warn(monkeypatch: pytest.MonkeyPatch) -> Gate:
    """The first push, held once it has read the households it will warn and before it opens a warning."""
    gate = Gate()
    households_over_threshold: Callable[..., Awaitable[Any]] = comparison_repository.households_over_threshold

    async def held(*args: Any, **kwargs: Any) -> Any:
        households = await households_over_threshold(*args, **kwargs)
        await gate.hold()
        return households

    monkeypatch.setattr(comparison_repository, "households_over_threshold", held)
    return gate


async def _push(harness: Harness, kind: str, entries: list[dict[str, Any]]) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        "/comparisons/pushes",
        json={"kind": kind, "department": "部门", "entries": entries},
        headers=harness.auth("county", COUNTY, "department", kind="client"),
    )
    return response


async def _finished_or_waiting_on_a_lock(harness: Harness, task: asyncio.Task[Any]) -> None:
    """Until `task` has finished or some transaction of this database waits for a lock."""
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


async def _monitoring_cases(harness: Harness, household: Any) -> list[str]:
    rows = await harness.sql(
        "SELECT state FROM cases WHERE household_id = :h AND kind = 'monitoring'", h=household
    )
    return [str(row[0]) for row in rows]


async def test_two_warning_lists_pushed_at_once_are_both_applied(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    warned_rid, applicant_rid = harness.resident_id(), harness.resident_id()
    warned = await harness.household(ids=[warned_rid])
    applicant = await harness.household(ids=[applicant_rid])
    await harness.quotas(await harness.year(), 10)
    application = await harness.apply(applicant)
    medical = [
        {"resident_id": warned_rid, "amount": "50000"},
        {"resident_id": applicant_rid, "amount": "30000"},
    ]
    disaster = [
        {"resident_id": warned_rid, "detail": "冰雹"},
        {"resident_id": applicant_rid, "detail": "冰雹"},
    ]

    gate = _hold_after_reading_the_households_to_warn(monkeypatch)
    async with running(_push(harness, "medical_self_paid", medical)) as first:
        await asyncio.wait_for(gate.arrived.wait(), WAIT_S)
        async with running(_push(harness, "disaster", disaster)) as second:
            await _finished_or_waiting_on_a_lock(harness, second)
            gate.open()
            first_answer = await asyncio.wait_for(first, WAIT_S)
            second_answer = await asyncio.wait_for(second, WAIT_S)

    assert first_answer.status_code == 201, first_answer.text
    assert second_answer.status_code == 201, second_answer.text
    # One warning for the household, as two pushes one after the other leave it.
    assert first_answer.json()["warnings_opened"] + second_answer.json()["warnings_opened"] == 1
    assert await _monitoring_cases(harness, warned) == ["monitor_warned"]
    # Both lists' findings are on the applicant's identification case: neither list was lost.
    kinds = sorted(hit["kind"] for hit in await harness.hits(application))
    assert kinds == ["disaster", "medical_self_paid"]


async def test_a_warning_opened_by_hand_meanwhile_is_skipped_not_a_failed_push(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    warned_rid, applicant_rid = harness.resident_id(), harness.resident_id()
    warned = await harness.household(ids=[warned_rid])
    applicant = await harness.household(ids=[applicant_rid])
    year = await harness.year()
    await harness.quotas(year, 10)
    application = await harness.apply(applicant)
    medical = [
        {"resident_id": warned_rid, "amount": "50000"},
        {"resident_id": applicant_rid, "amount": "30000"},
    ]

    gate = _hold_after_reading_the_households_to_warn(monkeypatch)
    async with running(_push(harness, "medical_self_paid", medical)) as pushed:
        await asyncio.wait_for(gate.arrived.wait(), WAIT_S)
        # A cadre opens a monitoring case for the household by hand while the push is under way.
        by_hand = await harness.client.post(
            "/monitoring",
            json={
                "household_id": str(warned),
                "year": year,
                "monitored_type": "marginal",
                "discovery": "cadre_visit",
            },
            headers=harness.village(),
        )
        assert by_hand.status_code == 201, by_hand.text
        gate.open()
        answer = await asyncio.wait_for(pushed, WAIT_S)

    assert answer.status_code == 201, answer.text
    assert answer.json()["warnings_opened"] == 0
    assert len(await _monitoring_cases(harness, warned)) == 1
    assert [hit["kind"] for hit in await harness.hits(application)] == ["medical_self_paid"]
