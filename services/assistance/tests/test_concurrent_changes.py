"""Concurrent changes of one household's helper or one village's team serialise: each replaces the one
before it, none is lost, one stays current, and none answers a 500 (the partial unique index on the
current row would refuse a second current one as an IntegrityError)."""

from __future__ import annotations

import asyncio
from typing import Any

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
VILLAGE = "520102016001"
CONCURRENT = 8


async def test_concurrent_assignments_to_one_household_serialise(harness: Harness) -> None:
    household = await harness.household()
    answers = await asyncio.gather(
        *(
            harness.assign(household, name=f"王{'一二三四五六七八'[index]}", reason="工作调整")
            for index in range(CONCURRENT)
        )
    )
    assert [answer.status_code for answer in answers] == [200] * CONCURRENT, [a.text for a in answers]
    rows = await harness.sql(
        "SELECT count(*), count(*) FILTER (WHERE ended_on IS NULL) FROM helper_assignments WHERE household_id = :h",
        h=household,
    )
    assert rows == [(CONCURRENT, 1)]


async def test_concurrent_teams_for_one_village_serialise(harness: Harness) -> None:
    answers = await asyncio.gather(
        *(
            harness.client.put(
                f"/villages/{VILLAGE}/team", json=harness.team_body(reason="轮换"), headers=harness.county()
            )
            for _ in range(CONCURRENT)
        )
    )
    assert [answer.status_code for answer in answers] == [200] * CONCURRENT, [a.text for a in answers]
    rows = await harness.sql("SELECT count(*), count(*) FILTER (WHERE ended_on IS NULL) FROM village_teams")
    assert rows == [(CONCURRENT, 1)]
