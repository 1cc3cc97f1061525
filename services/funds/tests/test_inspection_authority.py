"""Who may work an open joint inspection: only officers of the division that opened it, or of a tier above
that contains it (the county inspected by its province cannot write or close its own inspection); and
what an inspection accepts: a year up to next year, dates within a year of it, each project once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin_kit import civil_time

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
COUNTY = "520102000000"
CITY = "520100000000"
PROVINCE = "520000000000"
INSPECTION: dict[str, Any] = {
    "division": COUNTY,
    "year": 2026,
    "departments": ["discipline", "finance"],
    "leader_unit": "贵阳市纪委监委",
    "starts_on": "2026-05-10",
    "ends_on": "2026-05-20",
}
PASSED = {"point": "disclosure", "passed": True}


def officer(harness: Harness, tier: str, division: str) -> dict[str, str]:
    headers: dict[str, str] = harness.auth(tier, division, "officer")
    return headers


async def opened_by(harness: Harness, headers: dict[str, str], **overrides: Any) -> Any:
    return await harness.client.post("/inspections", json={**INSPECTION, **overrides}, headers=headers)


async def test_the_inspected_county_neither_adds_items_to_nor_closes_its_citys_inspection(
    harness: Harness,
) -> None:
    project_id = await harness.proposed()
    response = await opened_by(harness, officer(harness, "city", CITY))
    assert response.status_code == 201, response.text
    inspection = response.json()
    assert inspection["opened_division"] == CITY
    items = f"/inspections/{inspection['id']}/items"
    body = {"project_id": project_id, "checklist": [PASSED]}
    added = await harness.client.post(items, json=body, headers=harness.county())
    assert added.status_code == 403, added.text
    close = f"/inspections/{inspection['id']}/close"
    closed = await harness.client.post(close, json={"conclusion": "全部合格"}, headers=harness.county())
    assert closed.status_code == 403, closed.text
    # The province contains the city that opened it: it may carry it on.
    by_province = await harness.client.post(items, json=body, headers=officer(harness, "province", PROVINCE))
    assert by_province.status_code == 200, by_province.text
    by_city = await harness.client.post(
        close, json={"conclusion": "限期整改"}, headers=officer(harness, "city", CITY)
    )
    assert by_city.status_code == 200, by_city.text


async def test_a_county_works_the_inspection_it_opened(harness: Harness) -> None:
    project_id = await harness.proposed()
    inspection = (await opened_by(harness, harness.county())).json()
    assert inspection["opened_division"] == COUNTY
    added = await harness.client.post(
        f"/inspections/{inspection['id']}/items",
        json={"project_id": project_id, "checklist": [PASSED]},
        headers=harness.county(),
    )
    assert added.status_code == 200, added.text


async def test_a_year_beyond_next_and_dates_far_from_the_year_are_refused(harness: Harness) -> None:
    next_year = civil_time.china_today().year + 1
    for overrides in (
        {"year": 2100},
        {"year": next_year + 1, "starts_on": f"{next_year + 1}-01-10", "ends_on": f"{next_year + 1}-01-20"},
        {"ends_on": "9999-12-31"},
        {"starts_on": "2030-01-01", "ends_on": "2030-01-10"},
        {"starts_on": "2024-12-31"},
    ):
        response = await opened_by(harness, harness.county(), **overrides)
        assert response.status_code == 422, (overrides, response.text)
    for overrides in (
        {
            "year": next_year,
            "starts_on": dt.date(next_year, 1, 5).isoformat(),
            "ends_on": f"{next_year}-02-01",
        },
        {"starts_on": "2025-01-01", "ends_on": "2027-12-31"},
    ):
        response = await opened_by(harness, harness.county(), **overrides)
        assert response.status_code == 201, (overrides, response.text)


async def test_a_project_is_inspected_once_per_inspection(harness: Harness) -> None:
    project_id = await harness.proposed()
    inspection = (await opened_by(harness, harness.county())).json()
    items = f"/inspections/{inspection['id']}/items"
    body = {"project_id": project_id, "checklist": [PASSED]}
    first = await harness.client.post(items, json=body, headers=harness.county())
    assert first.status_code == 200, first.text
    again = await harness.client.post(items, json=body, headers=harness.county())
    assert again.status_code == 409 and again.json()["code"] == "already-inspected", again.text
