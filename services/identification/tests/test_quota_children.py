"""A division's quota is decomposed among its children (规模控制, province → … → village): the tier that
decomposes it reads the children's quotas in one call, each with the people its counted cases hold."""

from __future__ import annotations

from typing import Any

Ident = Any  # conftest's Harness (test modules cannot import it under importlib mode)

VILLAGE = "520102016001"
SIBLING = "520102016002"
TOWNSHIP = "520102016000"
COUNTY = "520102000000"
CITY = "520100000000"
OTHER_COUNTY_TOWNSHIP = "520103001000"


async def _review(ident: Ident, members: int) -> None:
    case = str(await ident.apply(await ident.household(members=members)))
    assert (await ident.act(case, "verify", ident.village(), {"survey": "ok"})).status_code == 200
    reviewed = await ident.act(case, "village_review", ident.village(), await ident.vote())
    assert reviewed.status_code == 200, reviewed.text


async def _children(ident: Ident, division: str, year: int, headers: dict[str, str]) -> Any:
    return await ident.client.get(f"/quotas/{division}/{year}/children", headers=headers)


async def test_each_tier_reads_how_its_quota_is_decomposed(harness: Ident) -> None:
    year = await harness.year()
    await harness.quotas(year, 12)
    await harness.sql(
        "INSERT INTO quotas (division, year, amount, set_by) VALUES (:d, :y, 4, 'test')", d=SIBLING, y=year
    )
    await _review(harness, members=3)

    county = await _children(harness, COUNTY, year, harness.county())
    assert county.status_code == 200, county.text
    assert [(row["division"], row["amount"], row["used"]) for row in county.json()] == [(TOWNSHIP, 12, 3)]

    township = await _children(harness, TOWNSHIP, year, harness.township())
    assert [(row["division"], row["amount"], row["used"]) for row in township.json()] == [
        (VILLAGE, 12, 3),
        (SIBLING, 4, 0),
    ]
    city = await _children(harness, CITY, year, harness.auth("city", CITY, "officer"))
    assert [row["division"] for row in city.json()] == [COUNTY]
    # A village has no children; a year without quotas has none to show.
    assert (await _children(harness, VILLAGE, year, harness.village())).json() == []
    assert (await _children(harness, TOWNSHIP, year + 1, harness.township())).json() == []


async def test_outside_the_jurisdiction_the_decomposition_is_not_found(harness: Ident) -> None:
    year = await harness.year()
    await harness.quotas(year, 12)
    for division, headers in (
        (TOWNSHIP, harness.village(SIBLING)),  # the parent of one's village
        (COUNTY, harness.township()),  # the parent of one's township
        (OTHER_COUNTY_TOWNSHIP, harness.county()),  # a cousin
    ):
        refused = await _children(harness, division, year, headers)
        assert refused.status_code == 404, (division, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")


async def test_a_malformed_division_or_year_is_refused(harness: Ident) -> None:
    for path in ("/quotas/52010201600/2024/children", "/quotas/520102016000/1999/children"):
        refused = await harness.client.get(path, headers=harness.county())
        assert refused.status_code == 422, (path, refused.text)
