"""The nation's own lines of a new year (QA9-F2): set through POST /standards by the nation's officers, held
to the same rules as a regional line where they apply, and reaching every division without a higher line."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

NATION = "000000000000"
GUIZHOU = "520000000000"
NANMING = "520102000000"
VILLAGE = "520102016001"
GUANGDONG = "440000000000"


def next_year() -> int:
    """The latest year a line may be set for: China's next year (2027 when this was written)."""
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).year + 1


async def set_standard(
    registry, tier: str, division: str, body: dict[str, Any], roles: list[str] | None = None
):
    payload = {"kind": "poverty_line", "region": NATION, "reason": "national line of the year", **body}
    return await registry.client.post(
        "/standards", json=payload, headers=registry.auth(tier, division, roles or ["officer"])
    )


async def effective(registry, division: str, year: int, kind: str = "poverty_line") -> dict[str, Any]:
    response = await registry.client.get(
        "/standards/effective",
        params={"division": division, "year": year, "kind": kind},
        headers=registry.auth("county", NANMING),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def rows(registry, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with registry.app.state.engine.connect() as connection:
        result = await connection.execute(text(sql), params)
        return [dict(row._mapping) for row in result]


async def test_the_nation_sets_its_poverty_line_of_a_new_year(writable_registry) -> None:
    registry = writable_registry
    year = next_year()
    assert (await effective(registry, NANMING, year))["amount"] == 4000  # the 2020 seed, carried forward
    made = await set_standard(registry, "nation", NATION, {"year": year, "amount": "4500"})
    assert made.status_code == 201, made.text
    assert made.json()["region"] == NATION and made.json()["region_level"] == "nation"
    # A county without a line of its own now has the nation's new line, as the year's own row.
    line = await effective(registry, NANMING, year)
    assert line["amount"] == 4500 and line["standard_id"] == made.json()["id"], line
    assert line["carried_forward"] is False and line["standard"]["region"] == NATION
    assert (await effective(registry, NANMING, year - 1))["amount"] == 4000  # earlier years keep theirs
    # Set again by an admin: the first row stays as history, superseded.
    again = await set_standard(registry, "nation", NATION, {"year": year, "amount": "4600"}, roles=["admin"])
    assert again.status_code == 201, again.text
    history = await registry.client.get(
        "/standards/history",
        params={"division": VILLAGE, "kind": "poverty_line"},
        headers=registry.auth("village", VILLAGE),
    )
    assert history.status_code == 200, history.text
    items = {item["id"]: item for item in history.json()["items"]}
    assert items[made.json()["id"]]["superseded_by"] == again.json()["id"]
    assert items[again.json()["id"]]["current"] is True and items[again.json()["id"]]["amount"] == 4600
    assert (await effective(registry, VILLAGE, year))["amount"] == 4600
    # Identification learns it from the event, as of any regional line.
    event = (await rows(registry, "SELECT type, division, payload FROM outbox ORDER BY seq DESC LIMIT 1"))[0]
    assert event["type"] == "fupin.registry.standard.set.v1" and event["division"] == NATION
    assert event["payload"]["data"]["region"] == NATION and event["payload"]["data"]["year"] == year
    assert event["payload"]["data"]["supersedes"] == made.json()["id"]


async def test_who_may_set_a_national_line(writable_registry) -> None:
    registry = writable_registry
    body = {"year": next_year(), "amount": "4500"}
    # Outside the nation's jurisdiction, every lower tier: the nation's row does not exist for it (404).
    assert (await set_standard(registry, "province", GUIZHOU, body)).status_code == 404
    assert (await set_standard(registry, "city", "520100000000", body)).status_code == 404
    assert (await set_standard(registry, "county", NANMING, body)).status_code == 404
    # The same roles as for any other line.
    assert (await set_standard(registry, "nation", NATION, body, roles=["cadre"])).status_code == 403
    # As a province sets its counties' lines, the nation may set a province's or a county's.
    province = await set_standard(registry, "nation", NATION, {**body, "region": GUANGDONG})
    assert province.status_code == 201, province.text
    county = await set_standard(registry, "nation", NATION, {**body, "region": NANMING, "amount": "4700"})
    assert county.status_code == 201, county.text
    assert (
        len(await rows(registry, "SELECT id FROM standards WHERE region = :r", r=NATION)) == 14
    )  # the seeds only


async def test_a_national_line_keeps_the_rules_of_any_line(writable_registry) -> None:
    registry = writable_registry
    year = next_year()
    far = await set_standard(registry, "nation", NATION, {"year": year + 1, "amount": "4500"})
    assert far.status_code == 422 and f"{year} at the latest" in far.json()["detail"], far.text
    for bad in ({"amount": "4,500"}, {"amount": "4500.001"}, {"reason": "   "}, {"amonut": "4500"}):
        response = await set_standard(registry, "nation", NATION, {"year": year, "amount": "4500", **bad})
        assert response.status_code == 422, (bad, response.text)
    # Nothing above the nation to stay over, but a stray digit is still no standard: at most 5× the
    # nation's line of the year before.
    typo = await set_standard(registry, "nation", NATION, {"year": year, "amount": "99999999.99"})
    assert typo.status_code == 422 and "at most 5" in typo.json()["detail"], typo.text
    monitoring_typo = {"kind": "monitoring_line", "year": year, "amount": "300000"}
    assert (await set_standard(registry, "nation", NATION, monitoring_typo)).status_code == 422
    assert await rows(registry, "SELECT id FROM standards WHERE year > 2022") == []


async def test_a_national_line_is_held_to_the_monitoring_lines_it_reaches(writable_registry) -> None:
    """The nation's row applies to every division: a national poverty line above the monitoring line in
    force, or a national monitoring line below some province's poverty line in force, is refused as the
    same row of a province would be, naming the region."""
    registry = writable_registry
    above = await set_standard(registry, "nation", NATION, {"year": 2025, "amount": "6500"})
    assert above.status_code == 422, above.text
    assert above.json()["detail"] == (
        f"the poverty line (6500) would be above the monitoring line (6000.00) in force for {NATION} in "
        "2025: the monitoring line is the higher threshold"
    )
    # The same figure set by a province without a monitoring line of its own is refused alike.
    province = await set_standard(
        registry, "province", GUANGDONG, {"region": GUANGDONG, "year": 2025, "amount": "6500"}
    )
    assert province.status_code == 422 and province.json()["detail"] == above.json()["detail"].replace(
        NATION, GUANGDONG
    )
    # A province raises its poverty line to 5,500 from 2024 on: the national monitoring line may come down
    # to it, never below it, in 2024 or any later year the province's line is carried into.
    raised = await set_standard(
        registry, "province", GUIZHOU, {"region": GUIZHOU, "year": 2024, "amount": "5500"}
    )
    assert raised.status_code == 201, raised.text
    for year in (2024, 2025):
        lowered = await set_standard(
            registry, "nation", NATION, {"kind": "monitoring_line", "year": year, "amount": "5000"}
        )
        assert lowered.status_code == 422, lowered.text
        assert lowered.json()["detail"] == (
            f"the poverty line (5500.00) would be above the monitoring line (5000) in force for {GUIZHOU} in "
            f"{year}: the monitoring line is the higher threshold"
        )
    fine = await set_standard(
        registry, "nation", NATION, {"kind": "monitoring_line", "year": 2025, "amount": "5500"}
    )
    assert fine.status_code == 201, fine.text
    assert (await effective(registry, NANMING, 2025, "monitoring_line"))["amount"] == 5500
