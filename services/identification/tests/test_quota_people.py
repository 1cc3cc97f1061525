"""A quota is of people (贫困人口规模, domain.md §3), not of cases (QA7 domain-conformance F2): a case counts
its household's current members, the room a case needs is its household's members, and the
decomposition province → … → village stays in people."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from fupin_kit.problems import ProblemError
from identification import clock
from identification.context import SYSTEM_ACTOR, Context
from identification.quotas import service as quotas

Ident = Any  # conftest's Harness (test modules cannot import it under importlib mode)

VILLAGE = "520102016001"
SIBLING = "520102016002"
TOWNSHIP = "520102016000"


async def _reviewed(ident: Ident, members: int) -> str:
    """A case of a household of `members` people through the village review (its place taken)."""
    case = str(await ident.apply(await ident.household(members=members)))
    assert (await ident.act(case, "verify", ident.village(), {"survey": "ok"})).status_code == 200
    reviewed = await ident.act(case, "village_review", ident.village(), await ident.vote())
    assert reviewed.status_code == 200, reviewed.text
    return case


async def _verified(ident: Ident, members: int) -> str:
    case = str(await ident.apply(await ident.household(members=members)))
    assert (await ident.act(case, "verify", ident.village(), {"survey": "ok"})).status_code == 200
    return case


async def _quota(ident: Ident, division: str, year: int) -> dict[str, Any]:
    response = await ident.client.get(f"/quotas/{division}/{year}", headers=ident.township())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _ensure_room(ident: Ident, case: str) -> None:
    """The quota service's own check for a case about to take its place at the village review."""
    async with ident.app.state.sessionmaker() as session, session.begin():
        ctx = Context(session, SYSTEM_ACTOR, await clock.now(session))
        await quotas.ensure_room_for_cases(ctx, [uuid.UUID(case)], quotas.PAST_VILLAGE_REVIEW)


async def test_used_counts_the_people_of_the_counted_households(harness: Ident) -> None:
    year = await harness.year()
    await harness.quotas(year, 10)
    await _reviewed(harness, members=3)
    await _reviewed(harness, members=3)
    assert (await _quota(harness, VILLAGE, year))["used"] == 6
    assert (await _quota(harness, TOWNSHIP, year))["used"] == 6


async def test_a_second_three_person_household_does_not_fit_a_quota_of_five(harness: Ident) -> None:
    """The tester's repro, on the quota service's side: the room a case needs is its household's people."""
    year = await harness.year()
    await harness.quotas(year, 5)
    await _reviewed(harness, members=3)
    second = await _verified(harness, members=3)
    with pytest.raises(ProblemError) as refused:
        await _ensure_room(harness, second)
    assert refused.value.status == 409 and refused.value.extensions["code"] == "quota-exceeded"
    assert refused.value.detail is not None and "(3 + 3 people)" in refused.value.detail
    assert (await _quota(harness, VILLAGE, year))["used"] == 3
    # Two people still fit: a household of two takes the last places.
    await _ensure_room(harness, await _verified(harness, members=2))


async def test_the_village_review_refuses_a_household_the_quota_has_no_room_for(harness: Ident) -> None:
    """The tester's repro over HTTP: two 3-person households exceed a village quota of 5."""
    year = await harness.year()
    await harness.quotas(year, 5)
    await _reviewed(harness, members=3)
    second = await _verified(harness, members=3)
    refused = await harness.act(second, "village_review", harness.village(), await harness.vote())
    assert refused.status_code == 409 and refused.json()["code"] == "quota-exceeded", refused.text
    assert (await _quota(harness, VILLAGE, year))["used"] == 3


async def test_a_member_joining_later_counts_against_the_quota(harness: Ident) -> None:
    """The deliberate rule: a counted case holds its household's current members, not those it had when it
    took its place (the read model's member_count, as the registry's events leave it)."""
    year = await harness.year()
    await harness.quotas(year, 10)
    case = await _reviewed(harness, members=2)
    await harness.sql(
        "UPDATE rm_households SET member_count = 3 WHERE household_id = "
        "(SELECT household_id FROM cases WHERE id = :c)",
        c=uuid.UUID(case),
    )
    assert (await _quota(harness, VILLAGE, year))["used"] == 3


async def test_a_quota_cannot_go_below_the_people_it_already_holds(harness: Ident) -> None:
    year = await harness.year()
    await harness.quotas(year, 10)
    await _reviewed(harness, members=3)
    lowered = await harness.client.put(
        "/quotas",
        json={"division": VILLAGE, "year": year, "amount": 2, "reason": "调整规模"},
        headers=harness.township(),
    )
    assert lowered.status_code == 409 and lowered.json()["code"] == "quota-below-usage", lowered.text
    assert "3 people" in lowered.json()["detail"]
    exact = await harness.client.put(
        "/quotas",
        json={"division": VILLAGE, "year": year, "amount": 3, "reason": "调整规模"},
        headers=harness.township(),
    )
    assert exact.status_code == 200 and exact.json()["used"] == 3, exact.text


async def test_the_decomposition_still_holds_in_people(harness: Ident) -> None:
    """A township's villages together hold at most the township's people, and a township cannot drop below
    what its villages hold."""
    year = await harness.year()
    await harness.quotas(year, 10)  # province … township … VILLAGE, 10 people each

    async def put(division: str, amount: int, headers: dict[str, str]) -> Any:
        return await harness.client.put(
            "/quotas",
            json={"division": division, "year": year, "amount": amount, "reason": "分解规模"},
            headers=headers,
        )

    over = await put(SIBLING, 1, harness.township())
    assert over.status_code == 409 and over.json()["code"] == "quota-exceeded", over.text
    assert "11 people > 10" in over.json()["detail"]
    assert (await put(VILLAGE, 6, harness.township())).status_code == 200
    assert (await put(SIBLING, 4, harness.township())).status_code == 200
    below = await put(TOWNSHIP, 9, harness.county())
    assert below.status_code == 409 and below.json()["code"] == "quota-below-children", below.text
