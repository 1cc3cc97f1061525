"""Visit summaries per household and per tier, the coverage of a division and the households to chase, on
real PostgreSQL, the clock pinned to a chosen instant (China time decides the day) and every figure counted
by hand."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest

from assistance.summaries import periods
from fupin_kit import civil_time
from fupin_kit.problems import ProblemError

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
COUNTY = "520102000000"
T1 = "520102016000"
V1 = "520102016001"
V2 = "520102016002"
T2 = "520102017000"
V3 = "520102017001"
CITY = "520100000000"
NO_VISITS = {"home": 0, "phone": 0, "other": 0}


def pin_clock(monkeypatch: pytest.MonkeyPatch, instant: str) -> None:
    """Stand at `instant` (UTC) for everything that asks civil_time what day it is in China."""
    at = dt.datetime.fromisoformat(instant).replace(tzinfo=dt.UTC)
    monkeypatch.setattr(civil_time, "utc_now", lambda: at)


async def visit(harness: Harness, household: uuid.UUID, day: str, kind: str = "home") -> None:
    body = {"visited_on": day, "visitor": "王五", "kind": kind, "notes": "了解生产生活情况"}
    response = await harness.client.post(
        f"/households/{household}/visits", json=body, headers=harness.county()
    )
    assert response.status_code == 201, response.text


async def read(harness: Harness, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    response: httpx.Response = await harness.client.get(
        path, params=params, headers=headers or harness.county()
    )
    assert response.status_code == 200, response.text
    return response.json()


def figures(row: dict[str, Any]) -> tuple[int, int, int, int, dict[str, int]]:
    return (
        row["households_in_charge"],
        row["households_visited"],
        row["households_not_visited"],
        row["visits"],
        row["by_kind"],
    )


# ---- periods -------------------------------------------------------------------------------------------------


def test_a_period_is_a_year_a_quarter_or_a_month_in_days() -> None:
    today = dt.date(2026, 11, 28)
    assert periods.parse("2026", today) == periods.Period("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert periods.parse("2026-Q3", today) == periods.Period(
        "2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)
    )
    assert periods.parse("2024-02", today).last == dt.date(2024, 2, 29)
    assert periods.parse("2026-Q4", today).first == dt.date(2026, 10, 1)
    assert periods.parse("2026-11", today).label == "2026-11"


@pytest.mark.parametrize(
    "text", ["2026-Q5", "2026-Q0", "2026-7", "2026-13", "2026-00", "26", "2026-q3", "2026-W30", "2026\n", ""]
)
def test_another_form_is_refused(text: str) -> None:
    with pytest.raises(ProblemError) as refused:
        periods.parse(text, dt.date(2026, 11, 28))
    assert refused.value.status == 422 and refused.value.extensions["code"] == "period"


@pytest.mark.parametrize("text", ["2026-12", "2027", "2027-Q1", "2012"])
def test_a_period_not_yet_begun_or_before_2013_is_refused(text: str) -> None:
    with pytest.raises(ProblemError) as refused:
        periods.parse(text, dt.date(2026, 11, 28))
    assert refused.value.extensions["code"] == "period"


@pytest.mark.parametrize("text", ["0000", "0000-Q1", "0000-01", "0001-02", "2012-Q4", "2012-12"])
def test_a_year_before_2013_is_refused_before_its_days_are_built(text: str) -> None:
    """Year 0 has no calendar day: it must be refused as a period, not fail building its dates."""
    with pytest.raises(ProblemError) as refused:
        periods.parse(text, dt.date(2026, 11, 28))
    assert refused.value.status == 422 and refused.value.extensions["code"] == "period"


async def test_a_year_before_2013_is_a_422_on_both_summaries(harness: Harness) -> None:
    household = await harness.household(V1)
    for period in ("0000", "0000-Q1", "0000-01"):
        refused = await harness.client.get(
            "/visits/summary", params={"division": V1, "period": period}, headers=harness.county()
        )
        assert refused.status_code == 422 and refused.json()["code"] == "period", period
    # A household's year is an integer the query's bounds refuse before any day is built.
    for year in (0, 2012):
        refused = await harness.client.get(
            f"/households/{household}/visits/summary", params={"year": year}, headers=harness.county()
        )
        assert refused.status_code == 422, year
        assert refused.json()["errors"][0]["loc"] == ["query", "year"], year


async def test_quarter_boundaries_are_china_days(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 23:30 UTC on 30 September it is already 1 October in China: a visit dated that day is the fourth
    quarter's and October's, the fourth quarter is no longer in the future, and a visit on the quarter's
    last day counts in the third."""
    pin_clock(monkeypatch, "2026-09-30T23:30:00")
    household = await harness.household(V1)
    await visit(harness, household, "2026-09-30", "home")
    await visit(harness, household, "2026-10-01", "phone")

    def summary(period: str) -> Any:
        return read(harness, "/visits/summary", division=V1, period=period)

    third = await summary("2026-Q3")
    assert third["first_day"] == "2026-07-01" and third["last_day"] == "2026-09-30"
    assert figures(third["total"]) == (1, 1, 0, 1, {**NO_VISITS, "home": 1})
    assert figures((await summary("2026-Q4"))["total"]) == (1, 1, 0, 1, {**NO_VISITS, "phone": 1})
    assert figures((await summary("2026-10"))["total"]) == (1, 1, 0, 1, {**NO_VISITS, "phone": 1})
    assert (await summary("2026-09"))["total"]["visits"] == 1
    refused = await harness.client.get(
        "/visits/summary", params={"division": V1, "period": "2026-11"}, headers=harness.county()
    )
    assert refused.status_code == 422 and refused.json()["code"] == "period"

    year = await read(harness, f"/households/{household}/visits/summary", year=2026)
    assert year["today"] == "2026-10-01" and year["last_visited_on"] == "2026-10-01"
    assert year["days_since_last_visit"] == 0
    assert [month["visits"] for month in year["months"]] == [0] * 8 + [1, 1, 0, 0]
    assert [quarter["visits"] for quarter in year["quarters"]] == [0, 0, 1, 1]
    assert year["quarters"][3]["by_kind"] == {**NO_VISITS, "phone": 1}
    assert year["total"]["period"] == "2026" and year["total"]["visits"] == 2
    future = await harness.client.get(
        f"/households/{household}/visits/summary", params={"year": 2027}, headers=harness.county()
    )
    assert future.status_code == 422 and future.json()["code"] == "period"


async def test_a_household_year_names_the_helpers_in_charge_in_each_period(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_clock(monkeypatch, "2026-11-20T04:00:00")
    household = await harness.household(V1)
    first = await harness.assign(household, name="李一", started_on="2026-02-10")
    assert first.status_code == 200, first.text
    second = await harness.assign(household, name="王二", started_on="2026-05-01", reason="工作调整")
    assert second.status_code == 200, second.text
    await visit(harness, household, "2026-11-10")

    year = await read(harness, f"/households/{household}/visits/summary")
    assert year["year"] == 2026 and year["days_since_last_visit"] == 10
    names = [[helper["name"] for helper in month["helpers"]] for month in year["months"]]
    assert names[0] == [] and names[1:4] == [["李一"]] * 3 and names[4] == ["李一", "王二"]
    assert names[5:] == [["王二"]] * 7
    assert [[h["name"] for h in q["helpers"]] for q in year["quarters"]] == [
        ["李一"],
        ["李一", "王二"],
        ["王二"],
        ["王二"],
    ]
    assert year["months"][4]["helpers"][0]["ended_on"] == "2026-05-01"
    never = await harness.household(V1)
    assert (await read(harness, f"/households/{never}/visits/summary"))["days_since_last_visit"] is None


# ---- a tier's visits -----------------------------------------------------------------------------------------


async def two_townships(harness: Harness) -> dict[str, uuid.UUID]:
    """Households in two villages of township T1 and one of T2, their visits dated as the figures below
    count them; h4 was visited in the third quarter and then exited (no longer in charge), h7 is a
    candidate."""
    made = {
        "h1": await harness.household(V1, name="张三丰"),
        "h2": await harness.household(V1, status="monitored", name="李四光"),
        "h3": await harness.household(V2, status="returned", name="王五福"),
        "h4": await harness.household(V2, name="赵六顺"),
        "h5": await harness.household(V3, name="钱七星"),
        "h6": await harness.household(V3, name="孙八斗"),
        "h7": await harness.household(V3, status="candidate", name="周九思"),
    }
    for household, day, kind in [
        ("h1", "2026-07-03", "home"),
        ("h1", "2026-08-15", "phone"),
        ("h1", "2026-10-02", "home"),
        ("h2", "2026-06-30", "home"),
        ("h3", "2026-09-30", "other"),
        ("h4", "2026-07-20", "home"),
        ("h5", "2026-07-01", "home"),
        ("h5", "2026-07-02", "home"),
    ]:
        await visit(harness, made[household], day, kind)
    await harness.status(made["h4"], "exited", version=3, division=V2)
    return made


async def test_a_county_reads_its_townships_visits_in_a_quarter(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_clock(monkeypatch, "2026-11-20T04:00:00")
    await two_townships(harness)

    county = await read(harness, "/visits/summary", division=COUNTY, period="2026-Q3")
    assert county["child_level"] == "township" and county["period"] == "2026-Q3"
    assert [row["division"] for row in county["rows"]] == [T1, T2]
    assert figures(county["rows"][0]) == (3, 2, 1, 3, {"home": 1, "phone": 1, "other": 1})
    assert figures(county["rows"][1]) == (2, 1, 1, 2, {**NO_VISITS, "home": 2})
    assert figures(county["total"]) == (5, 3, 2, 5, {"home": 3, "phone": 1, "other": 1})

    township = await read(harness, "/visits/summary", headers=harness.township(), period="2026-Q3")
    assert township["division"] == T1 and township["child_level"] == "village"
    assert [(row["division"], *figures(row)) for row in township["rows"]] == [
        (V1, 2, 1, 1, 2, {**NO_VISITS, "home": 1, "phone": 1}),
        (V2, 1, 1, 0, 1, {**NO_VISITS, "other": 1}),
    ]
    year = await read(harness, "/visits/summary", division=T1, period="2026")
    assert figures(year["total"]) == (3, 3, 0, 5, {"home": 3, "phone": 1, "other": 1})
    august = await read(harness, "/visits/summary", division=T1, period="2026-08")
    assert figures(august["total"]) == (3, 1, 2, 1, {**NO_VISITS, "phone": 1})


async def test_a_village_reads_one_row_per_household_and_above_the_county_the_heads_are_masked(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_clock(monkeypatch, "2026-11-20T04:00:00")
    made = await two_townships(harness)

    by_county = await read(harness, "/visits/summary", division=V1, period="2026-Q3")
    assert by_county["child_level"] == "household"
    rows = {row["household_id"]: row for row in by_county["rows"]}
    assert set(rows) == {str(made["h1"]), str(made["h2"])}
    assert rows[str(made["h1"])]["head_name"] == "张三丰" and rows[str(made["h1"])]["visits"] == 2
    assert figures(rows[str(made["h2"])]) == (1, 0, 1, 0, NO_VISITS)

    by_city = await read(harness, "/visits/summary", headers=harness.city(), division=V1, period="2026-Q3")
    assert {row["head_name"] for row in by_city["rows"]} == {"张**", "李**"}
    assert by_city["total"] == by_county["total"]
    coverage = await read(harness, "/coverage", headers=harness.city(), division=V1)
    assert {row["head_name"] for row in coverage["rows"]} == {"张**", "李**"}
    whole = await read(harness, "/visits/summary", headers=harness.city(), period="2026-Q3")
    assert whole["child_level"] == "county" and [row["division"] for row in whole["rows"]] == [COUNTY]


async def test_a_sibling_division_is_not_found(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    pin_clock(monkeypatch, "2026-11-20T04:00:00")
    made = await two_townships(harness)
    township = harness.township(T1)
    for path, params in [
        ("/visits/summary", {"division": T2, "period": "2026"}),
        ("/visits/summary", {"division": V3}),
        ("/coverage", {"division": T2}),
        ("/households", {"division": V3, "unvisited_days": 30}),
        (f"/households/{made['h5']}/visits/summary", {}),
    ]:
        response = await harness.client.get(path, params=params, headers=township)
        assert response.status_code == 404, (path, params, response.text)
    village = await harness.client.get("/coverage", params={"division": V2}, headers=harness.village(V1))
    assert village.status_code == 404


# ---- coverage ------------------------------------------------------------------------------------------------


async def ledger(
    harness: Harness, household: uuid.UUID, *, plan: bool = False, deadlines: tuple[str, ...] = ()
) -> list[str]:
    if plan:
        body = {"target_year": 2027, "summary": "发展养殖"}
        response = await harness.client.put(
            f"/households/{household}/plan", json=body, headers=harness.county()
        )
        assert response.status_code == 200, response.text
    added = []
    for deadline in deadlines:
        body = {"type": "industry", "description": "扶持养牛3头", "deadline": deadline}
        response = await harness.client.post(
            f"/households/{household}/measures", json=body, headers=harness.county()
        )
        assert response.status_code == 201, response.text
        added.append(response.json()["id"])
    return added


async def form_team(harness: Harness, village: str) -> None:
    response = await harness.client.put(
        f"/villages/{village}/team", json=harness.team_body(started_on="2026-01-01"), headers=harness.county()
    )
    assert response.status_code == 200, response.text


async def test_coverage_counts_helpers_plans_measures_recent_visits_and_teams(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Today is 20 November 2026 in China: the last 90 days begin on 23 August."""
    pin_clock(monkeypatch, "2026-11-20T04:00:00")
    a = await harness.household(V1)
    b = await harness.household(V1)
    c = await harness.household(V2, status="monitored")
    await harness.household(V3)
    await harness.household(V3, status="candidate")
    for household in (a, b):
        assert (await harness.assign(household, started_on="2026-01-01")).status_code == 200
    await ledger(harness, a, plan=True, deadlines=("2026-12-31",))
    await ledger(harness, b, deadlines=("2026-10-01",))
    (cancelled,) = await ledger(harness, c, plan=True, deadlines=("2026-10-01",))
    response = await harness.client.post(
        f"/measures/{cancelled}/progress",
        json={"status": "cancelled", "reason": "户主外出务工"},
        headers=harness.county(),
    )
    assert response.status_code == 200, response.text
    await visit(harness, a, "2026-11-01")
    await visit(harness, b, "2026-08-22")
    await visit(harness, c, "2026-08-23")
    await form_team(harness, V1)
    await form_team(harness, V3)

    def counts(row: dict[str, Any]) -> tuple[int, ...]:
        names = ("households_in_charge", "with_helper", "with_plan", "with_measure")
        more = ("with_overdue_measure", "visited_recently", "villages", "villages_with_team")
        return tuple(row[name] for name in names + more)

    county = await read(harness, "/coverage", division=COUNTY)
    assert county["today"] == "2026-11-20" and county["visited_since"] == "2026-08-23"
    assert [(row["division"], counts(row)) for row in county["rows"]] == [
        (T1, (3, 2, 2, 2, 1, 2, 2, 1)),
        (T2, (1, 0, 0, 0, 0, 0, 1, 1)),
    ]
    assert counts(county["total"]) == (4, 2, 2, 2, 1, 2, 3, 2)
    assert all(row["team_present"] is None for row in county["rows"])

    township = await read(harness, "/coverage", headers=harness.township())
    assert [(row["division"], counts(row), row["team_present"]) for row in township["rows"]] == [
        (V1, (2, 2, 1, 2, 1, 1, 1, 1), True),
        (V2, (1, 0, 1, 0, 0, 1, 1, 0), False),
    ]
    village = await read(harness, "/coverage", headers=harness.village(V1))
    assert village["child_level"] == "household" and len(village["rows"]) == 2
    assert counts(village["total"]) == (2, 2, 1, 2, 1, 1, 1, 1)
    assert {row["household_id"]: row["with_overdue_measure"] for row in village["rows"]} == {
        str(a): 0,
        str(b): 1,
    }


# ---- households to chase -------------------------------------------------------------------------------------


async def test_the_households_not_visited_for_n_days(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Today is 20 November 2026 in China: a visit on 21 October is 30 days ago, on 22 October 29."""
    pin_clock(monkeypatch, "2026-11-20T04:00:00")
    due = await harness.household(V1)
    recent = await harness.household(V1)
    never = await harness.household(V1)
    await harness.household(V1, status="candidate")
    await visit(harness, due, "2026-10-21")
    await visit(harness, recent, "2026-10-22")

    async def listed(**params: Any) -> dict[str, Any]:
        rows = await read(harness, "/households", headers=harness.township(), division=V1, **params)
        return {row["id"]: row["last_visited_on"] for row in rows}

    assert await listed(unvisited_days=30) == {str(due): "2026-10-21", str(never): None}
    assert await listed(unvisited_days=31) == {str(never): None}
    assert (await harness.assign(never, started_on="2026-01-01")).status_code == 200
    assert await listed(unvisited_days=30, unassigned="true") == {str(due): "2026-10-21"}
    assert len(await listed()) == 4
