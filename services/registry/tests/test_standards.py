"""Poverty and monitoring lines: national defaults, regional overrides, history and the event."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

NATION = "000000000000"
GUIZHOU = "520000000000"
NANMING = "520102000000"
YUNYAN = "520103000000"  # another county of the same city
VILLAGE = "520102016001"
YUNYAN_VILLAGE = "520103019001"
GUANGDONG = "440000000000"
DONGGUAN = "441900000000"
DONGGUAN_VILLAGE = "441900003001"


async def effective(
    registry, division: str, year: int, kind: str = "poverty_line", tier: str = "nation", at: str = NATION
) -> dict[str, Any]:
    response = await registry.client.get(
        "/standards/effective",
        params={"division": division, "year": year, "kind": kind},
        headers=registry.auth(tier, at),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_standard(
    registry, tier: str, division: str, body: dict[str, Any], roles: list[str] | None = None
):
    payload = {"kind": "poverty_line", "year": 2020, "reason": "provincial cost-of-living adjustment", **body}
    return await registry.client.post(
        "/standards", json=payload, headers=registry.auth(tier, division, roles or ["officer"])
    )


async def rows(registry, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with registry.app.state.engine.connect() as connection:
        result = await connection.execute(text(sql), params)
        return [dict(row._mapping) for row in result]


async def test_national_defaults_are_seeded(registry) -> None:
    expected = {
        2010: 2300,
        2011: 2536,
        2012: 2625,
        2013: 2736,
        2014: 2800,
        2015: 2855,
        2016: 2952,
        2017: 2952,
        2018: 2995,
        2019: 3218,
        2020: 4000,
    }
    for year, amount in expected.items():
        body = await effective(registry, VILLAGE, year, tier="village", at=VILLAGE)
        assert body["amount"] == amount and body["standard"]["region"] == NATION
        assert body["carried_forward"] is False and body["standard_id"] == body["standard"]["id"]
    monitoring = await effective(registry, VILLAGE, 2022, kind="monitoring_line")
    assert monitoring["amount"] == 6000
    later = await effective(registry, VILLAGE, 2024, kind="monitoring_line")
    assert later["amount"] == 6000 and later["carried_forward"] is True and later["standard"]["year"] == 2022
    before = await registry.client.get(
        "/standards/effective",
        params={"division": VILLAGE, "year": 2009, "kind": "poverty_line"},
        headers=registry.auth("nation", NATION),
    )
    assert before.status_code == 404


async def test_most_specific_override_wins_and_is_cited(writable_registry) -> None:
    registry = writable_registry
    national = await effective(registry, VILLAGE, 2020)
    province = await set_standard(registry, "province", GUIZHOU, {"region": GUIZHOU, "amount": "4200"})
    assert province.status_code == 201, province.text
    county = await set_standard(registry, "county", NANMING, {"region": NANMING, "amount": 4500.5})
    assert county.status_code == 201, county.text

    in_county = await effective(registry, VILLAGE, 2020)
    assert in_county["standard_id"] == county.json()["id"] and in_county["amount"] == 4500.5
    assert in_county["standard"]["region_level"] == "county"
    other_county = await effective(registry, YUNYAN_VILLAGE, 2020)
    assert other_county["standard_id"] == province.json()["id"] and other_county["amount"] == 4200
    elsewhere = await effective(registry, DONGGUAN_VILLAGE, 2020)
    assert elsewhere["standard_id"] == national["standard_id"]
    # No row for 2021: the latest earlier year applies, most specific region first.
    carried = await effective(registry, VILLAGE, 2021)
    assert carried["standard_id"] == county.json()["id"] and carried["carried_forward"] is True

    # A city without counties takes overrides on the city code, set by its province.
    dongguan = await set_standard(registry, "province", GUANGDONG, {"region": DONGGUAN, "amount": 5000})
    assert dongguan.status_code == 201, dongguan.text
    assert (await effective(registry, DONGGUAN_VILLAGE, 2020))["standard_id"] == dongguan.json()["id"]

    events = await rows(registry, "SELECT type, division, payload FROM outbox ORDER BY seq")
    assert [event["type"] for event in events] == ["fupin.registry.standard.set.v1"] * 3
    assert events[1]["division"] == NANMING and events[1]["payload"]["data"]["amount"] == "4500.50"
    audit = await rows(registry, "SELECT action, subject, prev_hash, hash FROM audit_log ORDER BY seq")
    assert [entry["action"] for entry in audit] == ["standard.set"] * 3
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in itertools.pairwise(audit))


async def test_a_raised_province_line_lifts_the_county_below_it(writable_registry) -> None:
    """The line in force is the highest applicable one along the chain (an override only raises it)."""
    registry = writable_registry
    first = await set_standard(registry, "province", GUIZHOU, {"region": GUIZHOU, "amount": 5000})
    assert first.status_code == 201, first.text
    county = await set_standard(registry, "county", NANMING, {"region": NANMING, "amount": 5500})
    assert county.status_code == 201, county.text
    assert (await effective(registry, VILLAGE, 2020))["standard_id"] == county.json()["id"]
    raised = await set_standard(registry, "province", GUIZHOU, {"region": GUIZHOU, "amount": 6000})
    assert raised.status_code == 201, raised.text

    in_county = await effective(registry, VILLAGE, 2020)
    assert in_county["amount"] == 6000 and in_county["standard_id"] == raised.json()["id"]
    assert (await effective(registry, YUNYAN_VILLAGE, 2020))["amount"] == 6000
    # Carried into a year without rows, the highest line still applies.
    carried = await effective(registry, VILLAGE, 2021)
    assert carried["amount"] == 6000 and carried["carried_forward"] is True
    # The county may raise its line again, above the province's; a tie cites the county's own row.
    tie = await set_standard(registry, "county", NANMING, {"region": NANMING, "amount": 6000})
    assert tie.status_code == 201, tie.text
    assert (await effective(registry, VILLAGE, 2020))["standard_id"] == tie.json()["id"]
    # A county line below the province's is refused, as before.
    below = await set_standard(registry, "county", NANMING, {"region": NANMING, "amount": 5900})
    assert below.status_code == 422


async def test_history_keeps_superseded_rows(writable_registry) -> None:
    registry = writable_registry
    first = (await set_standard(registry, "county", NANMING, {"region": NANMING, "amount": 4300})).json()
    second = (await set_standard(registry, "county", NANMING, {"region": NANMING, "amount": 4400})).json()
    assert (await effective(registry, VILLAGE, 2020))["standard_id"] == second["id"]

    response = await registry.client.get(
        "/standards/history",
        params={"division": VILLAGE, "kind": "poverty_line"},
        headers=registry.auth("village", VILLAGE),
    )
    assert response.status_code == 200
    items = {item["id"]: item for item in response.json()["items"]}
    assert items[first["id"]]["superseded_by"] == second["id"] and items[first["id"]]["current"] is False
    assert items[second["id"]]["current"] is True and items[second["id"]]["amount"] == 4400
    assert sum(1 for item in items.values() if item["region"] == NATION) == 11  # poverty line 2010–2020
    stored = await rows(registry, "SELECT id, amount FROM standards WHERE region = :r ORDER BY id", r=NANMING)
    assert [(row["id"], float(row["amount"])) for row in stored] == [
        (first["id"], 4300),
        (second["id"], 4400),
    ]
    event = (await rows(registry, "SELECT payload FROM outbox ORDER BY seq DESC LIMIT 1"))[0]["payload"]
    assert event["data"]["supersedes"] == first["id"]


async def test_who_may_set_a_standard(writable_registry) -> None:
    registry = writable_registry
    body = {"region": NANMING, "amount": 4500}
    assert (await set_standard(registry, "village", VILLAGE, {**body, "region": VILLAGE})).status_code == 403
    # A city officer may set its counties' lines (QA7 F3), but not another city's county: 404.
    assert (await set_standard(registry, "city", "522600000000", body)).status_code == 404
    assert (await set_standard(registry, "county", NANMING, body, roles=["cadre"])).status_code == 403
    assert (await set_standard(registry, "county", YUNYAN, body)).status_code == 404
    assert (await set_standard(registry, "province", GUANGDONG, body)).status_code == 404
    assert (await set_standard(registry, "county", NANMING, {**body, "region": GUIZHOU})).status_code == 404
    # A township answers as any outsider of the region, its own county's included: 404, not a 403 that
    # would say the region exists and which tier may set it.
    assert (await set_standard(registry, "township", "520102016000", body)).status_code == 404
    assert (await set_standard(registry, "township", "520103019000", body)).status_code == 404
    # No line before it existed (no national line to stay above, nothing to serve): 2010 and 2020 on.
    assert (await set_standard(registry, "county", NANMING, {**body, "year": 2005})).status_code == 422
    early = await set_standard(registry, "county", NANMING, {**body, "kind": "monitoring_line", "year": 2019})
    assert early.status_code == 422 and "from 2020 on" in str(early.json()["errors"])
    # Only a province, a city or a county carries a standard.
    assert (await set_standard(registry, "county", NANMING, {**body, "region": VILLAGE})).status_code == 422
    # A region may raise the line above it, never lower it.
    lower = await set_standard(registry, "county", NANMING, {**body, "amount": 3999})
    assert lower.status_code == 422 and lower.json()["floor_amount"] == 4000
    # Nor is a stray digit a standard: at most five times the line above, and at most a year ahead.
    typo = await set_standard(registry, "county", NANMING, {**body, "amount": "99999999.99"})
    assert typo.status_code == 422 and "at most 5" in typo.json()["detail"], typo.text
    # 5× is allowed, under a monitoring line at least as high (the nation's 2020 line is 6,000). A 2020 line
    # is carried forward to 2021, under the monitoring line of 6,000, unless the county has a 2021 line of
    # its own.
    assert (await set_standard(registry, "county", NANMING, {**body, "year": 2021})).status_code == 201
    above_monitoring = await set_standard(registry, "county", NANMING, {**body, "amount": 20000})
    assert above_monitoring.status_code == 422, above_monitoring.text
    monitoring = {**body, "kind": "monitoring_line", "amount": 30000}
    assert (await set_standard(registry, "county", NANMING, monitoring)).status_code == 201
    assert (await set_standard(registry, "county", NANMING, {**body, "amount": 20000})).status_code == 201
    next_year = dt.datetime.now(ZoneInfo("Asia/Shanghai")).year + 1
    ahead = await set_standard(registry, "county", NANMING, {**body, "year": next_year})
    assert ahead.status_code == 201, ahead.text
    far = await set_standard(registry, "county", NANMING, {**body, "year": 2060})
    assert far.status_code == 422 and f"{next_year} at the latest" in far.json()["detail"], far.text
    assert (await set_standard(registry, "county", NANMING, {**body, "kind": "other"})).status_code == 422
    # Bodies as strict as the rest of the registry: no unknown fields, no blank reason, no valid_from
    # decades away from the standard's year.
    for bad in (
        {"amonut": 4600},
        {"reason": "    "},
        {"valid_from": "1990-01-01"},
        {"valid_from": "2040-01-01"},
    ):
        assert (await set_standard(registry, "county", NANMING, {**body, **bad})).status_code == 422, bad
    assert (await set_standard(registry, "county", NANMING, body, roles=["admin"])).status_code == 201
    # Nothing refused was stored: the rows are 2021's, the monitoring line, the 5× line, next year's, and
    # the admin's.
    assert len(await rows(registry, "SELECT id FROM standards WHERE region = :r", r=NANMING)) == 5


async def test_standards_reads_are_scoped(registry) -> None:
    response = await registry.client.get(
        "/standards/effective",
        params={"division": YUNYAN_VILLAGE, "year": 2020, "kind": "poverty_line"},
        headers=registry.auth("village", VILLAGE),
    )
    assert response.status_code == 404
    history = await registry.client.get(
        "/standards/history", params={"division": NANMING}, headers=registry.auth("village", VILLAGE)
    )
    assert history.status_code == 404
    bad = await registry.client.get(
        "/standards/effective",
        params={"division": "52", "year": 2020, "kind": "poverty_line"},
        headers=registry.auth("nation", NATION),
    )
    assert bad.status_code == 422


async def test_a_2020_monitoring_line_is_held_to_the_national_2020_monitoring_line(writable_registry) -> None:
    """Monitoring began in 2020 (domain.md §4), the national monitoring line it names in 2021: a county's
    2020 monitoring line once had no line above it (99,999,999.99 was accepted and carried forward), and a
    2020 warning had no line to be checked against. The nation's 2020 line is 1.5× its 2020 poverty line,
    6,000: a regional 2020 line lies between it and 5× it."""
    registry = writable_registry
    national = await registry.client.get(
        "/standards/effective",
        params={"division": NANMING, "year": 2020, "kind": "monitoring_line"},
        headers=registry.auth("county", NANMING),
    )
    assert national.status_code == 200, national.text
    assert float(national.json()["amount"]) == 6000, national.text
    assert NATION in national.text, national.text
    body = {"kind": "monitoring_line", "year": 2020, "region": NANMING}
    typo = await set_standard(registry, "county", NANMING, {**body, "amount": "99999999.99"})
    assert typo.status_code == 422, typo.text
    assert "at most 5× the line above it (30000" in typo.json()["detail"], typo.text
    assert typo.json()["floor_amount"] == 6000
    low = await set_standard(registry, "county", NANMING, {**body, "amount": 5000})
    assert low.status_code == 422 and low.json()["floor_amount"] == 6000, low.text
    kept = await set_standard(registry, "county", NANMING, {**body, "amount": 6500})
    assert kept.status_code == 201, kept.text
    # A province's own 2020 line is held to the national line the same way.
    province = await set_standard(registry, "province", GUIZHOU, {**body, "region": GUIZHOU, "amount": 31000})
    assert province.status_code == 422, province.text
    assert (
        len(
            await rows(
                registry, "SELECT id FROM standards WHERE kind = 'monitoring_line' AND region <> :n", n=NATION
            )
        )
        == 1
    )


async def test_the_poverty_line_stays_at_or_below_the_monitoring_line(writable_registry) -> None:
    """A county's poverty line of 19,000 was accepted while its monitoring line was 6,000: households poor
    yet not below the monitoring line. Each refusal names both lines."""
    registry = writable_registry
    year = 2024  # the national monitoring line of 2022 (6,000) is in force, carried forward
    poverty = {"region": NANMING, "year": year}
    monitoring = {"kind": "monitoring_line", "region": NANMING, "year": year}
    above = await set_standard(registry, "county", NANMING, {**poverty, "amount": 19000})
    assert above.status_code == 422, above.text
    problem = above.json()
    assert problem["detail"] == (
        f"the poverty line (19000) would be above the monitoring line (6000.00) in force for {NANMING} in "
        f"{year}: the monitoring line is the higher threshold"
    )
    assert (problem["poverty_amount"], problem["monitoring_amount"]) == (19000, 6000)
    in_force = await effective(registry, VILLAGE, year, kind="monitoring_line")
    assert problem["monitoring_standard_id"] == in_force["standard_id"]
    # A province is held to the monitoring line in force for it too.
    province = await set_standard(
        registry, "province", GUIZHOU, {**poverty, "region": GUIZHOU, "amount": 7000}
    )
    assert province.status_code == 422, province.text
    # Up to the monitoring line is allowed; a monitoring line raised first makes room for more.
    assert (await set_standard(registry, "county", NANMING, {**poverty, "amount": 6000})).status_code == 201
    assert (
        await set_standard(registry, "county", NANMING, {**monitoring, "amount": 8000})
    ).status_code == 201
    raised = await set_standard(registry, "county", NANMING, {**poverty, "amount": 7000})
    assert raised.status_code == 201, raised.text
    # A monitoring line below the poverty line in force is refused, naming it.
    lowered = await set_standard(registry, "county", NANMING, {**monitoring, "amount": 6500})
    assert lowered.status_code == 422, lowered.text
    assert lowered.json()["poverty_standard_id"] == raised.json()["id"]
    assert lowered.json()["detail"] == (
        f"the poverty line (7000.00) would be above the monitoring line (6500) in force for {NANMING} in "
        f"{year}: the monitoring line is the higher threshold"
    )


async def test_a_poverty_line_carried_forward_stays_below_a_later_monitoring_line(writable_registry) -> None:
    """QA6 finding 4: a poverty line was checked against the monitoring line of its own year only, but it is
    carried forward: a 2025 poverty line of 6,900 was accepted under a 2026 monitoring line of 6,800 set
    before it, and in 2026 the county's poverty line was above its monitoring line."""
    registry = writable_registry
    monitoring = {"kind": "monitoring_line", "region": NANMING}
    poverty = {"region": NANMING}
    for year, amount in ((2025, 7000), (2026, 6800)):
        made = await set_standard(registry, "county", NANMING, {**monitoring, "year": year, "amount": amount})
        assert made.status_code == 201, made.text
    before = await rows(registry, "SELECT id FROM standards")
    carried = await set_standard(registry, "county", NANMING, {**poverty, "year": 2025, "amount": 6900})
    assert carried.status_code == 422, carried.text
    assert carried.json()["detail"] == (
        f"the poverty line (6900) would be above the monitoring line (6800.00) in force for {NANMING} in "
        "2026: the monitoring line is the higher threshold"
    )
    assert await rows(registry, "SELECT id FROM standards") == before
    assert (await effective(registry, VILLAGE, 2026))["amount"] == 4000
    # A county's own later poverty line ends the carry: 6,900 then applies to 2025 alone.
    own = await set_standard(registry, "county", NANMING, {**poverty, "year": 2026, "amount": 5000})
    assert own.status_code == 201, own.text
    alone = await set_standard(registry, "county", NANMING, {**poverty, "year": 2025, "amount": 6900})
    assert alone.status_code == 201, alone.text
    assert (await effective(registry, VILLAGE, 2026))["amount"] == 5000


async def test_a_monitoring_line_stays_above_the_poverty_line_carried_forward(writable_registry) -> None:
    """A monitoring line for a later year below the poverty line carried into it is refused; so is a
    corrected monitoring line that, carried forward, would fall below a later year's poverty line (only
    its own year was checked)."""
    registry = writable_registry
    monitoring = {"kind": "monitoring_line", "region": NANMING}
    poverty = {"region": NANMING}
    made = await set_standard(registry, "county", NANMING, {**monitoring, "year": 2025, "amount": 7000})
    assert made.status_code == 201, made.text
    line = await set_standard(registry, "county", NANMING, {**poverty, "year": 2025, "amount": 6900})
    assert line.status_code == 201, line.text
    later = await set_standard(registry, "county", NANMING, {**monitoring, "year": 2026, "amount": 6800})
    assert later.status_code == 422, later.text
    assert later.json()["poverty_standard_id"] == line.json()["id"]
    assert "in force for 520102000000 in 2026" in later.json()["detail"]
    # A monitoring line corrected for an earlier year is carried forward to the years without a monitoring
    # row of their own: 2023's line reaches 2024, whose poverty line is 6,900.
    early = await set_standard(registry, "county", NANMING, {**monitoring, "year": 2023, "amount": 7000})
    assert early.status_code == 201, early.text
    line = await set_standard(registry, "county", NANMING, {**poverty, "year": 2024, "amount": 6900})
    assert line.status_code == 201, line.text
    corrected = await set_standard(registry, "county", NANMING, {**monitoring, "year": 2023, "amount": 6500})
    assert corrected.status_code == 422, corrected.text
    assert corrected.json()["detail"] == (
        f"the poverty line (6900.00) would be above the monitoring line (6500) in force for {NANMING} in "
        "2024: the monitoring line is the higher threshold"
    )
    assert (await effective(registry, VILLAGE, 2024, kind="monitoring_line"))["amount"] == 7000
    # Once 2024 has a monitoring row of its own, 2023's line applies to 2023 alone (poverty line 4,000).
    assert (
        await set_standard(registry, "county", NANMING, {**monitoring, "year": 2024, "amount": 6900})
    ).status_code == 201
    kept = await set_standard(registry, "county", NANMING, {**monitoring, "year": 2023, "amount": 6500})
    assert kept.status_code == 201, kept.text


async def test_a_province_monitoring_line_is_checked_against_the_counties_below(writable_registry) -> None:
    """A province's row applies to the counties below it: a province monitoring line below a county's own
    poverty line (the county having no monitoring line of its own) is refused, naming the county."""
    registry = writable_registry
    province = {"kind": "monitoring_line", "region": GUIZHOU, "year": 2025}
    made = await set_standard(registry, "province", GUIZHOU, {**province, "amount": 7000})
    assert made.status_code == 201, made.text
    county = await set_standard(
        registry, "county", NANMING, {"region": NANMING, "year": 2025, "amount": 6900}
    )
    assert county.status_code == 201, county.text
    lowered = await set_standard(registry, "province", GUIZHOU, {**province, "amount": 6500})
    assert lowered.status_code == 422, lowered.text
    assert lowered.json()["detail"] == (
        f"the poverty line (6900.00) would be above the monitoring line (6500) in force for {NANMING} in "
        "2025: the monitoring line is the higher threshold"
    )
    # Carried forward too: a 2026 province line that would sit below the county's carried 6,900.
    forward = await set_standard(registry, "province", GUIZHOU, {**province, "year": 2026, "amount": 6000})
    assert forward.status_code == 422, forward.text
    # Up to the county's poverty line is allowed.
    fine = await set_standard(registry, "province", GUIZHOU, {**province, "amount": 6900})
    assert fine.status_code == 201, fine.text


QIANDONGNAN = "522600000000"  # 黔东南州: a city (地级市/州) with counties
HUANGPING = "522622000000"  # 黄平县, a county of 黔东南
HUANGPING_VILLAGE = "522622100001"
QIANXINAN = "522300000000"  # 黔西南州, another city of the same province
GUIYANG = "520100000000"  # 贵阳市, the city of 南明区
HUBEI_COUNTY_GROUPING = "429000000000"  # 省直辖县级行政区划: a statistical grouping, not a city


async def test_a_city_sets_a_line_for_its_counties(writable_registry) -> None:
    """QA7 domain-conformance F3: domain.md §2 names 市定标准 beside 国家标准 and 省定标准, but no city could
    set a line (403 to the city tier, 422 to the province for a city code) and the chain of lines in force
    went county → province → nation. A city's line now sits between its counties' and its province's."""
    registry = writable_registry
    body = {"region": QIANDONGNAN, "year": 2026, "amount": 4400, "reason": "黔东南州 市定标准"}
    city = await set_standard(registry, "city", QIANDONGNAN, body)
    assert city.status_code == 201, city.text
    assert city.json()["region_level"] == "city"

    in_force = await effective(registry, HUANGPING_VILLAGE, 2026, tier="village", at=HUANGPING_VILLAGE)
    assert in_force["amount"] == 4400 and in_force["standard_id"] == city.json()["id"]
    assert in_force["standard"]["region"] == QIANDONGNAN and in_force["standard"]["region_level"] == "city"
    assert (await effective(registry, HUANGPING_VILLAGE, 2027))["standard_id"] == city.json()["id"]
    # Not a line of the other cities of the province.
    assert (await effective(registry, VILLAGE, 2026))["standard"]["region"] == NATION
    history = await registry.client.get(
        "/standards/history",
        params={"division": HUANGPING_VILLAGE, "kind": "poverty_line"},
        headers=registry.auth("village", HUANGPING_VILLAGE),
    )
    assert history.status_code == 200, history.text
    assert city.json()["id"] in [item["id"] for item in history.json()["items"]]

    # The city's line is the floor of its counties': below it is refused, naming it.
    county = {"region": HUANGPING, "year": 2026}
    below = await set_standard(registry, "county", HUANGPING, {**county, "amount": 4300})
    assert below.status_code == 422, below.text
    assert below.json()["floor_amount"] == 4400 and below.json()["floor_standard_id"] == city.json()["id"]
    # ... and at most 5× the city's (not the province's) line.
    assert (await set_standard(registry, "county", HUANGPING, {**county, "amount": 22001})).status_code == 422
    raised = await set_standard(registry, "county", HUANGPING, {**county, "amount": 4500})
    assert raised.status_code == 201, raised.text
    assert (await effective(registry, HUANGPING_VILLAGE, 2026))["standard_id"] == raised.json()["id"]

    # The province's line is the city's floor, and the city stays under the monitoring line in force.
    province = await set_standard(
        registry, "province", GUIZHOU, {"region": GUIZHOU, "year": 2026, "amount": 4600}
    )
    assert province.status_code == 201, province.text
    low = await set_standard(registry, "city", QIANDONGNAN, {**body, "amount": 4500})
    assert low.status_code == 422 and low.json()["floor_amount"] == 4600, low.text
    over_monitoring = await set_standard(registry, "city", QIANDONGNAN, {**body, "amount": 6100})
    assert over_monitoring.status_code == 422 and "monitoring line" in over_monitoring.json()["detail"]
    # A city's monitoring line below a poverty line of one of its counties is refused, naming the county.
    monitoring = {"kind": "monitoring_line", "region": QIANDONGNAN, "year": 2026}
    assert (
        await set_standard(registry, "city", QIANDONGNAN, {**monitoring, "amount": 7000})
    ).status_code == 201
    assert (await set_standard(registry, "county", HUANGPING, {**county, "amount": 6800})).status_code == 201
    lowered = await set_standard(registry, "city", QIANDONGNAN, {**monitoring, "amount": 6700})
    assert lowered.status_code == 422, lowered.text
    assert f"in force for {HUANGPING} in 2026" in lowered.json()["detail"]
    # The county's own line, above the city's, is the one in force in the county.
    assert (await effective(registry, HUANGPING_VILLAGE, 2026))["amount"] == 6800


async def test_who_may_set_a_city_line(writable_registry) -> None:
    """A city officer sets its own city's line and its counties' (as the province may set a county's); a
    city or county outside answers 404 as every out-of-jurisdiction region does; a province sets its
    cities' lines; a statistical grouping (省直辖县级行政区划, 市辖区) is no city and carries no line."""
    registry = writable_registry
    body = {"region": QIANDONGNAN, "year": 2026, "amount": 4400}
    assert (await set_standard(registry, "city", QIANXINAN, body)).status_code == 404
    assert (await set_standard(registry, "city", GUIYANG, body)).status_code == 404
    assert (await set_standard(registry, "county", HUANGPING, body)).status_code == 404
    assert (await set_standard(registry, "city", QIANDONGNAN, body, roles=["cadre"])).status_code == 403
    by_province = await set_standard(registry, "province", GUIZHOU, body)
    assert by_province.status_code == 201, by_province.text
    county = await set_standard(registry, "city", QIANDONGNAN, {**body, "region": HUANGPING, "amount": 4450})
    assert county.status_code == 201, county.text
    grouping = await set_standard(
        registry, "province", "420000000000", {**body, "region": HUBEI_COUNTY_GROUPING}
    )
    assert grouping.status_code == 422, grouping.text
    assert "statistical grouping" in grouping.json()["detail"]
    assert grouping.json()["code"] == "statistical-grouping"  # as identification's refusals (QA10 Q2-3)


async def test_a_countyless_city_keeps_its_line(writable_registry) -> None:
    """东莞 has no counties: its city code stands in for one (its townships' 6-digit prefix). Its province and
    its own city government set its line, held to the province's line, and its villages follow it."""
    registry = writable_registry
    province = await set_standard(
        registry, "province", GUANGDONG, {"region": GUANGDONG, "year": 2026, "amount": 4500}
    )
    assert province.status_code == 201, province.text
    body = {"region": DONGGUAN, "year": 2026}
    assert (await set_standard(registry, "city", DONGGUAN, {**body, "amount": 4400})).status_code == 422
    own = await set_standard(registry, "city", DONGGUAN, {**body, "amount": 5000})
    assert own.status_code == 201, own.text
    assert (await effective(registry, DONGGUAN_VILLAGE, 2026))["standard_id"] == own.json()["id"]
    by_province = await set_standard(registry, "province", GUANGDONG, {**body, "amount": 5100})
    assert by_province.status_code == 201, by_province.text
    assert (await effective(registry, DONGGUAN_VILLAGE, 2026))["standard_id"] == by_province.json()["id"]
