"""Named helpers (帮扶责任人): assignment, change with history, ending, refusals, masking above the county,
idempotent retries and the events they stage."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fupin_contracts import assistance as contracts
from fupin_kit import civil_time

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
VILLAGE = "520102016001"
OTHER_VILLAGE = "520102016002"
OTHER_COUNTY_VILLAGE = "520103001001"
CITY = "520100000000"
PROVINCE = "520000000000"
MOBILE = "13812345678"

TODAY = civil_time.china_today()


def days(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


async def test_assignment_and_change_keep_the_history_newest_first(harness: Harness) -> None:
    household = await harness.household()
    first = await harness.assign(household, started_on=days(-30))
    assert first.status_code == 200, first.text
    assert first.json()["phone"] == MOBILE and first.json()["ended_on"] is None

    second = await harness.assign(
        household,
        harness.township(),
        name="孙八",
        phone="0851-86543210",
        started_on=days(-1),
        reason="工作调整",
    )
    assert second.status_code == 200, second.text

    helpers = (await harness.client.get(f"/households/{household}/helpers", headers=harness.village())).json()
    assert helpers["current"]["id"] == second.json()["id"]
    assert helpers["current"]["name"] == "孙八"
    [ended] = helpers["history"]
    assert ended["id"] == first.json()["id"]
    assert ended["ended_on"] == days(-1) and ended["end_reason"] == "工作调整"

    types = [event_type for event_type, _ in await harness.outbox()]
    assert types == [contracts.HELPER_ASSIGNED, contracts.HELPER_ENDED, contracts.HELPER_ASSIGNED]


async def test_events_carry_masked_phones_and_the_household_village(harness: Harness) -> None:
    household = await harness.household()
    await harness.assign(household, started_on=days(-3))
    await harness.assign(household, phone="0851-86543210", reason="调岗，联系13912345678")
    staged = await harness.outbox()
    assigned = [data for event_type, data in staged if event_type == contracts.HELPER_ASSIGNED]
    assert [data["phone"] for data in assigned] == ["138****5678", "085******3210"]
    assert all(data["division"] == VILLAGE for _, data in staged)
    ended = next(data for event_type, data in staged if event_type == contracts.HELPER_ENDED)
    assert "13912345678" not in ended["end_reason"] and "13912345678" not in str(assigned[1])
    assert ended["replaced_by"] == assigned[1]["assignment_id"]
    assert assigned[1]["replaces"] == ended["assignment_id"]
    audit = await harness.sql("SELECT count(*) FROM audit_log")
    assert audit[0][0] == 3


async def test_ending_without_a_successor(harness: Harness) -> None:
    household = await harness.household()
    assert (await harness.assign(household, started_on=days(-10))).status_code == 200
    ended = await harness.client.post(
        f"/households/{household}/helper/end", json={"reason": "户已销号"}, headers=harness.county()
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["ended_on"] == TODAY.isoformat()
    helpers = (await harness.client.get(f"/households/{household}/helpers", headers=harness.county())).json()
    assert helpers["current"] is None and len(helpers["history"]) == 1
    again = await harness.client.post(
        f"/households/{household}/helper/end", json={"reason": "户已销号"}, headers=harness.county()
    )
    assert again.status_code == 409 and again.json()["code"] == "no-helper"


async def test_unknown_and_foreign_households_are_not_found(harness: Harness) -> None:
    unknown = await harness.assign(uuid.uuid4())
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    foreign = await harness.household(division=OTHER_COUNTY_VILLAGE)
    assert (await harness.assign(foreign)).status_code == 404
    read = await harness.client.get(f"/households/{foreign}/helpers", headers=harness.county())
    assert read.status_code == 404
    # A township officer of the county reaches only its own township's households.
    cousin = await harness.household(division="520102017001")
    assert (await harness.assign(cousin, harness.township())).status_code == 404


async def test_a_household_not_registered_returned_or_monitored_is_refused(harness: Harness) -> None:
    for status in ("candidate", "exited"):
        household = await harness.household(status=status)
        response = await harness.assign(household)
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "household-status"
    for status in ("returned", "monitored"):
        assert (await harness.assign(await harness.household(status=status))).status_code == 200


async def test_bad_input_is_422(harness: Harness) -> None:
    household = await harness.household()
    for overrides in (
        {"phone": "12345"},
        {"phone": "1381234567"},
        {"phone": "２３８１２３４５６７８"},
        {"phone": "010-1234567"},
        {"started_on": days(1)},
        {"name": "王5"},
        {"name": "王\u202e五"},
        {"unit": "局\x07"},
        {"unit_tier": "nation"},
    ):
        response = await harness.assign(household, **overrides)
        assert response.status_code == 422, (overrides, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    future = await harness.assign(household, started_on=days(1))
    assert future.json()["code"] == "future-date"


async def test_a_replacement_needs_a_reason_and_a_start_not_before_the_current(harness: Harness) -> None:
    household = await harness.household()
    assert (await harness.assign(household, started_on=days(-5))).status_code == 200
    missing = await harness.assign(household, name="孙八")
    assert missing.status_code == 422 and missing.json()["code"] == "reason-required"
    early = await harness.assign(household, name="孙八", reason="工作调整", started_on=days(-6))
    assert early.status_code == 422 and early.json()["code"] == "date-too-early"
    helpers = (await harness.client.get(f"/households/{household}/helpers", headers=harness.county())).json()
    assert helpers["current"]["name"] == "王五" and helpers["history"] == []


async def test_only_county_and_township_officers_write(harness: Harness) -> None:
    household = await harness.household()
    for headers in (
        harness.village(),
        harness.auth("county", "520102000000", "viewer"),
        harness.auth("city", CITY, "officer"),
        harness.auth("province", PROVINCE, "officer"),
    ):
        assert (await harness.assign(household, headers)).status_code == 403


async def test_phones_and_typed_numbers_are_masked_above_the_county(harness: Harness) -> None:
    household = await harness.household()
    await harness.assign(household, started_on=days(-2))
    await harness.assign(household, reason="原责任人13912345678调离")
    for headers in (harness.city(), harness.auth("province", PROVINCE, "viewer")):
        helpers = (await harness.client.get(f"/households/{household}/helpers", headers=headers)).json()
        assert helpers["current"]["phone"] == "138****5678"
        assert "13912345678" not in str(helpers)
        listed = (await harness.client.get("/helpers", headers=headers)).json()
        assert [item["phone"] for item in listed] == ["138****5678"]
    county = (await harness.client.get(f"/households/{household}/helpers", headers=harness.county())).json()
    assert county["current"]["phone"] == MOBILE
    assert "13912345678" in county["current"]["reason"]


async def test_a_retry_with_the_same_key_answers_the_first_response(harness: Harness) -> None:
    household = await harness.household()
    headers = {**harness.county(), "Idempotency-Key": "assign-1"}
    body = harness.helper_body()
    first = await harness.client.put(f"/households/{household}/helper", json=body, headers=headers)
    retry = await harness.client.put(f"/households/{household}/helper", json=body, headers=headers)
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    other = await harness.client.put(
        f"/households/{household}/helper", json={**body, "name": "孙八"}, headers=headers
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency-key-reused"
    assert await harness.sql("SELECT count(*) FROM helper_assignments") == [(1,)]
    assert len(await harness.outbox()) == 1


async def test_lists_page_by_division_and_show_the_unassigned(harness: Harness) -> None:
    helped = [await harness.household(division=code) for code in (VILLAGE, OTHER_VILLAGE, VILLAGE)]
    for household in helped:
        assert (await harness.assign(household)).status_code == 200
    waiting = await harness.household(division=OTHER_VILLAGE)
    await harness.household(status="candidate")
    await harness.household(division=OTHER_COUNTY_VILLAGE)

    seen: list[str] = []
    after: str | None = None
    while True:
        params = {"limit": "2", **({"after": after} if after else {})}
        page = await harness.client.get("/helpers", params=params, headers=harness.county())
        assert page.status_code == 200, page.text
        seen += [item["household_id"] for item in page.json()]
        after = page.headers.get("Next-Cursor")
        if after is None:
            break
    assert sorted(seen) == sorted(str(household) for household in helped)

    village_only = await harness.client.get(
        "/helpers", params={"division": VILLAGE}, headers=harness.county()
    )
    assert {item["division"] for item in village_only.json()} == {VILLAGE}

    gap = await harness.client.get("/households", params={"unassigned": "true"}, headers=harness.county())
    assert [item["id"] for item in gap.json()] == [str(waiting)]
    every = await harness.client.get("/households", headers=harness.county())
    assert len(every.json()) == 5
    assert sum(item["helper"] is not None for item in every.json()) == 3

    outside = await harness.client.get(
        "/helpers", params={"division": "520103000000"}, headers=harness.county()
    )
    assert outside.status_code == 404
    bad_cursor = await harness.client.get("/helpers", params={"after": "nonsense"}, headers=harness.county())
    assert bad_cursor.status_code == 422


async def test_the_read_model_keeps_the_latest_version(harness: Harness) -> None:
    household = await harness.household(status="registered")
    await harness.status(household, "exited", version=4)
    # A late event of an older version changes nothing.
    await harness.status(household, "registered", version=3)
    [row] = (await harness.client.get("/households", headers=harness.county())).json()
    assert row["status"] == "exited" and row["version"] == 4 and row["head_name"] == "张三丰"
    assert (await harness.assign(household)).status_code == 409


async def test_the_heads_name_is_in_full_at_the_county_and_masked_above(harness: Harness) -> None:
    # The township's and county's officers closing the gap must tell households apart; above the county a
    # name is shown masked, as the tier feeds show names there.
    household = await harness.household(status="registered", name="钱待帮")
    for headers, shown in (
        (harness.township(), "钱待帮"),
        (harness.county(), "钱待帮"),
        (harness.city(), "钱**"),
    ):
        rows = (
            await harness.client.get("/households", params={"unassigned": "true"}, headers=headers)
        ).json()
        assert [row["head_name"] for row in rows if row["id"] == str(household)] == [shown]
