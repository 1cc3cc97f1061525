"""Resident teams (驻村工作队): forming and replacing with history, refusals, masking above the county and
the events they stage."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin_contracts import assistance as contracts
from fupin_kit import civil_time

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
VILLAGE = "520102016001"
OTHER_VILLAGE = "520102016002"
TOWNSHIP = "520102016000"
OTHER_COUNTY_VILLAGE = "520103001001"
TODAY = civil_time.china_today()


def days(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


async def put_team(harness: Harness, code: str = VILLAGE, headers: Any = None, **overrides: Any) -> Any:
    return await harness.client.put(
        f"/villages/{code}/team", json=harness.team_body(**overrides), headers=headers or harness.county()
    )


async def test_forming_and_replacing_keep_the_history(harness: Harness) -> None:
    first = await put_team(harness, started_on=days(-100))
    assert first.status_code == 200, first.text
    assert first.json()["first_secretary"]["phone"] == harness.LANDLINE
    second = await put_team(
        harness,
        first_secretary={"name": "周九", "unit": "南明区委组织部", "phone": "13700000001"},
        members=[],
        sent_by="county",
        started_on=days(-1),
        reason="两年期满轮换",
    )
    assert second.status_code == 200, second.text
    team = (await harness.client.get(f"/villages/{VILLAGE}/team", headers=harness.village())).json()
    assert team["current"]["id"] == second.json()["id"] and team["current"]["members"] == []
    [ended] = team["history"]
    assert ended["id"] == first.json()["id"]
    assert ended["ended_on"] == days(-1) and ended["end_reason"] == "两年期满轮换"

    staged = await harness.outbox()
    assert [event_type for event_type, _ in staged] == [
        contracts.TEAM_FORMED,
        contracts.TEAM_ENDED,
        contracts.TEAM_FORMED,
    ]
    formed = staged[0][1]
    assert formed["division"] == VILLAGE
    assert formed["first_secretary"]["phone"] == "085******3210"
    assert formed["members"][0]["phone"] == "139****4321"
    assert staged[1][1]["replaced_by"] == staged[2][1]["team_id"] == second.json()["id"]


async def test_a_team_is_sent_to_a_village(harness: Harness) -> None:
    for code in (TOWNSHIP, "520102000000"):
        response = await put_team(harness, code)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "not-a-village"
        read = await harness.client.get(f"/villages/{code}/team", headers=harness.county())
        assert read.status_code == 422


async def test_refusals(harness: Harness) -> None:
    assert (await put_team(harness, OTHER_COUNTY_VILLAGE)).status_code == 404
    foreign = await harness.client.get(f"/villages/{VILLAGE}/team", headers=harness.county("520103000000"))
    assert foreign.status_code == 404
    assert (await put_team(harness, headers=harness.township())).status_code == 403
    assert (await put_team(harness, headers=harness.village())).status_code == 403
    assert (await put_team(harness, started_on=days(1))).json()["code"] == "future-date"
    too_many = [{"name": "钱七", "unit": "南明区财政局", "phone": "13987654321"}] * 11
    assert (await put_team(harness, members=too_many)).status_code == 422
    bad_phone = {"name": "赵六", "unit": "贵州省农业农村厅", "phone": "0851-0000000"}
    assert (await put_team(harness, first_secretary=bad_phone)).status_code == 422
    digit_name = {"name": "赵6", "unit": "贵州省农业农村厅", "phone": "13987654321"}
    assert (await put_team(harness, first_secretary=digit_name)).status_code == 422
    assert (await put_team(harness, started_on=days(-3))).status_code == 200
    missing = await put_team(harness)
    assert missing.status_code == 422 and missing.json()["code"] == "reason-required"
    early = await put_team(harness, started_on=days(-4), reason="轮换")
    assert early.status_code == 422 and early.json()["code"] == "date-too-early"


async def test_phones_are_masked_above_the_county(harness: Harness) -> None:
    assert (await put_team(harness)).status_code == 200
    city = (await harness.client.get(f"/villages/{VILLAGE}/team", headers=harness.city())).json()
    assert city["current"]["first_secretary"]["phone"] == "085******3210"
    assert city["current"]["members"][0]["phone"] == "139****4321"
    listed = (await harness.client.get("/teams", headers=harness.city())).json()
    assert listed[0]["first_secretary"]["phone"] == "085******3210"
    township = (await harness.client.get("/teams", headers=harness.auth("township", TOWNSHIP))).json()
    assert township[0]["first_secretary"]["phone"] == harness.LANDLINE


async def test_the_teams_list_pages_within_the_jurisdiction(harness: Harness) -> None:
    for code in (VILLAGE, OTHER_VILLAGE, "520102017001"):
        assert (await put_team(harness, code)).status_code == 200
    seen: list[str] = []
    after: str | None = None
    while True:
        params = {"limit": "1", **({"after": after} if after else {})}
        page = await harness.client.get("/teams", params=params, headers=harness.county())
        seen += [item["division"] for item in page.json()]
        after = page.headers.get("Next-Cursor")
        if after is None:
            break
    assert seen == [VILLAGE, OTHER_VILLAGE, "520102017001"]
    township = await harness.client.get("/teams", headers=harness.auth("township", TOWNSHIP))
    assert [item["division"] for item in township.json()] == [VILLAGE, OTHER_VILLAGE]
    outside = await harness.client.get(
        "/teams", params={"division": "520103000000"}, headers=harness.county()
    )
    assert outside.status_code == 404


async def test_a_retry_with_the_same_key_forms_one_team(harness: Harness) -> None:
    headers = {**harness.county(), "Idempotency-Key": "team-1"}
    body = harness.team_body()
    first = await harness.client.put(f"/villages/{VILLAGE}/team", json=body, headers=headers)
    retry = await harness.client.put(f"/villages/{VILLAGE}/team", json=body, headers=headers)
    assert first.status_code == retry.status_code == 200 and retry.json() == first.json()
    assert await harness.sql("SELECT count(*) FROM village_teams") == [(1,)]
