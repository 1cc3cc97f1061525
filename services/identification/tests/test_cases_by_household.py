"""GET /cases?household_id=: one household's cases, for the console's household page (which must know
whether the household already has an active identification case before it offers the application, 409
case-open otherwise). The filter composes with kind, state and keyset paging like the other filters, stays
within the caller's jurisdiction (another village's household reads as an empty page, as any filter that
matches nothing outside it does), and a malformed id is a 422 problem."""

from __future__ import annotations

import uuid
from typing import Any

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
SIBLING = "520102016002"


async def _search(harness: Harness, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await harness.client.get("/cases", params=params, headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def _withdrawn_then_applied(harness: Harness, household: uuid.UUID) -> tuple[str, str]:
    """Two identification cases of one household: the first withdrawn, the second open."""
    first = await harness.apply(household)
    withdrawn = await harness.client.post(
        f"/cases/{first}/actions/withdraw", json={"reason": "户主撤回申请"}, headers=harness.village()
    )
    assert withdrawn.status_code == 200, withdrawn.text
    return first, await harness.apply(household)


async def test_the_filter_returns_only_that_households_cases(harness: Harness) -> None:
    await harness.quotas(await harness.year(), 10)
    household = await harness.household()
    other = await harness.household()
    first, second = await _withdrawn_then_applied(harness, household)
    await harness.apply(other)

    page = await _search(harness, harness.village(), household_id=str(household))

    assert {item["id"] for item in page["items"]} == {first, second}
    assert {item["household_id"] for item in page["items"]} == {str(household)}
    assert page["next_cursor"] is None
    by_id = {item["id"]: item for item in page["items"]}
    # Whether a case is still running is what the household page decides the application on.
    assert by_id[first]["active"] is False
    assert by_id[second]["active"] is True


async def test_the_filter_composes_with_kind_state_and_paging(harness: Harness) -> None:
    await harness.quotas(await harness.year(), 10)
    household = await harness.household()
    first, second = await _withdrawn_then_applied(harness, household)
    await harness.apply(await harness.household())
    village = harness.village()

    withdrawn = await _search(harness, village, household_id=str(household), state="withdrawn")
    assert [item["id"] for item in withdrawn["items"]] == [first]
    identification = await _search(harness, village, household_id=str(household), kind="identification")
    assert {item["id"] for item in identification["items"]} == {first, second}
    assert (await _search(harness, village, household_id=str(household), kind="monitoring"))["items"] == []

    walked: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        extra = {} if cursor is None else {"after": cursor}
        page = await _search(harness, village, household_id=str(household), limit=1, **extra)
        walked += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(walked) == sorted([first, second])
    assert len(walked) == 2, "a case was repeated across pages"


async def test_another_villages_household_is_an_empty_page(harness: Harness) -> None:
    await harness.quotas(await harness.year(), 10, village=SIBLING)
    household = await harness.household(division=SIBLING)
    response = await harness.client.post(
        "/cases",
        json={
            "household_id": str(household),
            "year": await harness.year(),
            "authorisation": await harness.authorisation(),
        },
        headers=harness.village(SIBLING),
    )
    assert response.status_code == 201, response.text

    outside = await _search(harness, harness.village(), household_id=str(household))
    assert outside == {"items": [], "next_cursor": None}
    # The township above both villages reads it: the empty page is the jurisdiction, not the filter.
    township = await _search(harness, harness.township(), household_id=str(household))
    assert [item["id"] for item in township["items"]] == [response.json()["id"]]


async def test_a_malformed_household_id_is_a_422_problem(harness: Harness) -> None:
    response = await harness.client.get(
        "/cases", params={"household_id": "not-a-uuid"}, headers=harness.village()
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
