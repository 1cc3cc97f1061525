"""A quota set below what its children or its cases already hold (409 quota-below-children,
quota-below-usage) said how much only in its English detail (cadre walk of the console): the figures are now
members of the problem (`held`, `amount`), so the console's quota dialog can say "下级已分配 N 人，不能低于此数"."""

from __future__ import annotations

from typing import Any

Ident = Any  # conftest's Harness (test modules cannot import it under importlib mode)

VILLAGE = "520102016001"
TOWNSHIP = "520102016000"


async def _put(harness: Ident, division: str, year: int, amount: int, headers: dict[str, str]) -> Any:
    return await harness.client.put(
        "/quotas",
        json={"division": division, "year": year, "amount": amount, "reason": "调整规模"},
        headers=headers,
    )


async def test_a_quota_below_its_children_carries_the_figures(harness: Ident) -> None:
    year = await harness.year()
    await harness.quotas(year, 10)
    assert (await _put(harness, VILLAGE, year, 6, harness.township())).status_code == 200
    below = await _put(harness, TOWNSHIP, year, 5, harness.county())
    assert below.status_code == 409, below.text
    problem = below.json()
    assert problem["code"] == "quota-below-children", problem
    assert (problem["held"], problem["amount"]) == (6, 5), problem


async def test_a_quota_below_its_usage_carries_the_figures(harness: Ident) -> None:
    year = await harness.year()
    await harness.quotas(year, 10)
    case = str(await harness.apply(await harness.household(members=3)))
    assert (await harness.act(case, "verify", harness.village(), {"survey": "ok"})).status_code == 200
    reviewed = await harness.act(case, "village_review", harness.village(), await harness.vote())
    assert reviewed.status_code == 200, reviewed.text
    lowered = await _put(harness, VILLAGE, year, 2, harness.township())
    assert lowered.status_code == 409, lowered.text
    problem = lowered.json()
    assert problem["code"] == "quota-below-usage", problem
    assert (problem["held"], problem["amount"]) == (3, 2), problem
