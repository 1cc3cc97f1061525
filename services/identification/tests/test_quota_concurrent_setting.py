"""QA8 FW-1 (quotas): quotas set at the same moment keep the decomposition. Two sibling quotas set at once
cannot together exceed their parent's, and a parent lowered while a child is raised cannot end below its
children. Each pair of requests is held at the write until both have made their checks (or a second has
passed), so without serialisation both check against the other's old row and both commit."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from identification.quotas import repository

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)

VILLAGE = "520102016001"
SIBLING = "520102016002"
TOWNSHIP = "520102016000"
# How long a request at the write waits for the other to get there too: long enough for an unserialised
# second request to make its checks, short enough for a serialised one (which waits for the first to
# commit) not to hold the test up.
MEET_WITHIN_S = 2.0


def _writes_meet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold each quota write until a second request has reached its write too, or MEET_WITHIN_S passed."""
    write: Callable[..., Awaitable[None]] = repository.upsert
    arrived: list[str] = []
    both = asyncio.Event()

    async def upsert_when_both_checked(*args: Any, **kwargs: Any) -> None:
        arrived.append(args[1])
        if len(arrived) >= 2:
            both.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(both.wait(), MEET_WITHIN_S)
        await write(*args, **kwargs)

    monkeypatch.setattr(repository, "upsert", upsert_when_both_checked)


async def _put(harness: Harness, division: str, amount: int, headers: dict[str, str]) -> Any:
    year = await harness.year()
    return await harness.client.put(
        "/quotas",
        json={"division": division, "year": year, "amount": amount, "reason": "并发分解规模"},
        headers=headers,
    )


async def _amounts(harness: Harness) -> dict[str, int]:
    rows = await harness.sql("SELECT division, amount FROM quotas WHERE year = :y", y=await harness.year())
    return {str(division): int(amount) for division, amount in rows}


async def _township_of_ten_with_villages(harness: Harness, village: int, sibling: int | None) -> None:
    """Province … township with 10 people each; VILLAGE with `village`, SIBLING with `sibling` (or none)."""
    year = await harness.year()
    await harness.quotas(year, 10)
    await harness.sql("UPDATE quotas SET amount = :a WHERE division = :d", a=village, d=VILLAGE)
    if sibling is not None:
        await harness.sql(
            "INSERT INTO quotas (division, year, amount, set_by) VALUES (:d, :y, :a, 'test')",
            d=SIBLING,
            y=year,
            a=sibling,
        )


async def test_two_siblings_set_at_once_stay_within_the_parent(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _township_of_ten_with_villages(harness, village=0, sibling=0)
    _writes_meet(monkeypatch)
    first, second = await asyncio.gather(
        _put(harness, VILLAGE, 6, harness.township()), _put(harness, SIBLING, 6, harness.township())
    )

    assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
    refused = first if first.status_code == 409 else second
    assert refused.json()["code"] == "quota-exceeded", refused.text
    amounts = await _amounts(harness)
    assert amounts[VILLAGE] + amounts[SIBLING] <= amounts[TOWNSHIP] == 10, amounts


async def test_a_parent_lowered_while_a_child_is_raised_stays_above_its_children(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _township_of_ten_with_villages(harness, village=4, sibling=None)
    _writes_meet(monkeypatch)
    lowered, raised = await asyncio.gather(
        _put(harness, TOWNSHIP, 5, harness.county()), _put(harness, VILLAGE, 8, harness.township())
    )

    assert sorted([lowered.status_code, raised.status_code]) == [200, 409], (lowered.text, raised.text)
    refused = lowered if lowered.status_code == 409 else raised
    assert refused.json()["code"] in {"quota-below-children", "quota-exceeded"}, refused.text
    amounts = await _amounts(harness)
    assert amounts[VILLAGE] <= amounts[TOWNSHIP], amounts


async def test_a_quota_lowered_while_a_case_takes_a_place_stays_above_its_usage(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case's village review takes its household's places while the village's quota is lowered below
    them: the lowering must count the places (409 quota-below-usage) or go first and refuse the review
    (409 quota-exceeded); never both pass."""
    await _township_of_ten_with_villages(harness, village=10, sibling=None)
    case = str(await harness.apply(await harness.household(members=3)))
    assert (await harness.act(case, "verify", harness.village(), {"survey": "ok"})).status_code == 200
    vote = await harness.vote()
    lock: Callable[..., Awaitable[dict[str, int]]] = repository.lock_quotas

    async def lock_then_linger(*args: Any, **kwargs: Any) -> dict[str, int]:
        # The review holds its locks a moment before it counts and moves the case: time enough for an
        # unserialised setting to read the usage without it.
        locked = await lock(*args, **kwargs)
        if VILLAGE in args[2] and TOWNSHIP in args[2]:
            await asyncio.sleep(MEET_WITHIN_S / 2)
        return locked

    monkeypatch.setattr(repository, "lock_quotas", lock_then_linger)

    async def lower_after_the_review_locked() -> Any:
        await asyncio.sleep(MEET_WITHIN_S / 8)
        return await _put(harness, VILLAGE, 2, harness.township())

    reviewed, lowered = await asyncio.gather(
        harness.act(case, "village_review", harness.village(), vote), lower_after_the_review_locked()
    )

    codes = sorted([reviewed.status_code, lowered.status_code])
    assert codes == [200, 409], (reviewed.text, lowered.text)
    amounts = await _amounts(harness)
    used = await harness.client.get(f"/quotas/{VILLAGE}/{await harness.year()}", headers=harness.township())
    assert used.json()["used"] <= amounts[VILLAGE], (used.json(), amounts)
