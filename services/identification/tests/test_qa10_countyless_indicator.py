"""QA10-Q-1: a city without counties (儋州 460400000000) gets the county's exit indicator (贫困县退出), as
its government holds the county tier's powers everywhere else; its townships, like a county's, get none."""

from __future__ import annotations

from typing import Any

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
DANZHOU = "460400000000"  # divisions.COUNTYLESS_CITIES: townships hang directly off the city
NADA = "460400100000"  # 那大镇
XIGAN = "460400100001"  # 西干社区居委会
OTHER_VILLAGE = "460400100002"
PLAIN_CITY = "460200000000"  # 三亚, a city with districts: no indicator


async def _poor(harness: Harness, division: str, households: int, members: int, status: str) -> None:
    for _ in range(households):
        household = await harness.household(division=division, members=members)
        await harness.sql(
            "UPDATE rm_households SET status = :s WHERE household_id = :h", s=status, h=household
        )


async def test_a_countyless_city_gets_the_countys_indicator_over_its_villages(harness: Harness) -> None:
    city = harness.auth("city", DANZHOU, "officer")
    await _poor(harness, XIGAN, 2, 3, "registered")  # 6 poor
    await _poor(harness, OTHER_VILLAGE, 1, 2, "returned")  # 2 poor, no figure
    await _poor(harness, XIGAN, 1, 4, "exited")
    put = await harness.client.put(
        f"/region-settings/{XIGAN}/rural_population", json={"value": "400"}, headers=city
    )
    assert put.status_code == 200, put.text
    summed = await harness.client.get(f"/exits/indicators?division={DANZHOU}", headers=city)
    assert summed.status_code == 200, summed.text
    body = summed.json()
    # As a county: 海南 (46) is not western, 2%; the villages' figures are summed, coverage reported.
    assert body["level"] == "county" and body["west"] is False and body["threshold_pct"] == 2.0
    assert body["poor_population"] == 8 and body["exited_households"] == 1
    assert body["rural_population"] == 400 and body["incidence_pct"] == 1.5
    assert body["villages_with_figure"] == 1 and body["villages_without_figure"] == 1
    assert body["poor_population_without_figure"] == 2 and body["meets_threshold"] is None
    # The city's own figure, as a county's, is used as it stands.
    await harness.client.put(
        f"/region-settings/{DANZHOU}/rural_population", json={"value": "1000"}, headers=city
    )
    own = (await harness.client.get(f"/exits/indicators?division={DANZHOU}", headers=city)).json()
    assert own["rural_population"] == 1000 and own["incidence_pct"] == 0.8 and own["meets_threshold"] is True
    province = harness.auth("province", "460000000000", "officer")
    assert (
        await harness.client.get(f"/exits/indicators?division={DANZHOU}", headers=province)
    ).status_code == 200


async def test_a_countyless_citys_townships_and_other_cities_get_none(harness: Harness) -> None:
    """A township is no exit unit under a countyless city either, and a city with counties is no county."""
    city = harness.auth("city", DANZHOU, "officer")
    township = await harness.client.get(f"/exits/indicators?division={NADA}", headers=city)
    assert township.status_code == 422, township.text
    province = harness.auth("province", "460000000000", "officer")
    plain = await harness.client.get(f"/exits/indicators?division={PLAIN_CITY}", headers=province)
    assert plain.status_code == 422, plain.text
    village = await harness.client.get(f"/exits/indicators?division={XIGAN}", headers=city)
    assert village.status_code == 200 and village.json()["level"] == "village"
