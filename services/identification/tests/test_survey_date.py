"""QA8 FW-4: the field survey's date (入户核实, `visited_on` in the finding of verify, exit_verify and visit)
is checked as the village review's meeting_on and the consents' signed_on are: a real day written
YYYY-MM-DD, not after today and not before the case was opened. It stays optional, and the rest of the
finding stays free-form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)

LOC = ["body", "finding", "visited_on"]


async def _verify(harness: Harness, case: str, finding: dict[str, Any]) -> Any:
    return await harness.act(case, "verify", harness.village(), finding)


async def _history_actions(harness: Harness, case: str) -> list[str]:
    history = (await harness.client.get(f"/cases/{case}/history", headers=harness.village())).json()
    return [row["action"] for row in history]


@pytest.mark.parametrize(
    "visited_on",
    [
        "2026-02-30",
        "10000-01-01",
        20261127,
        "20261127",
        "2026-1-5",
        "２０２６-０１-０１",
        None,
        "",
        ["2026-01-01"],
    ],
)
async def test_a_survey_date_that_is_no_day_is_refused(harness: Harness, visited_on: Any) -> None:
    case = await harness.apply(await harness.household())
    refused = await _verify(harness, case, {"visited_on": visited_on, "summary": "入户"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "invalid-date", refused.text
    assert refused.json()["errors"][0]["loc"] == LOC
    assert await harness.state(case) == "applied"
    assert "verify" not in await _history_actions(harness, case)


async def test_a_survey_date_in_the_future_is_refused(harness: Harness) -> None:
    case = await harness.apply(await harness.household())
    tomorrow = (dt.date.fromisoformat(await harness.today()) + dt.timedelta(days=1)).isoformat()
    for visited_on in (tomorrow, "2099-01-01"):
        refused = await _verify(harness, case, {"visited_on": visited_on, "summary": "入户"})
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "future-date", refused.text
        assert refused.json()["errors"][0]["loc"] == LOC
    assert await harness.state(case) == "applied"


async def test_a_survey_date_before_the_case_was_opened_is_refused(harness: Harness) -> None:
    case = await harness.apply(await harness.household())
    today = dt.date.fromisoformat(await harness.today())
    for visited_on in ((today - dt.timedelta(days=1)).isoformat(), "0001-01-01"):
        refused = await _verify(harness, case, {"visited_on": visited_on, "summary": "入户"})
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "date-too-early", refused.text
        assert refused.json()["errors"][0]["loc"] == LOC
    assert await harness.state(case) == "applied"


async def test_the_survey_date_is_optional_and_the_finding_free_form(harness: Harness) -> None:
    dated = await harness.apply(await harness.household())
    finding = {"visited_on": await harness.today(), "summary": "收入低于标准", "photos": 3}
    assert (await _verify(harness, dated, finding)).status_code == 200
    history = (await harness.client.get(f"/cases/{dated}/history", headers=harness.village())).json()
    assert history[-1]["detail"]["finding"] == finding

    undated = await harness.apply(await harness.household())
    assert (await _verify(harness, undated, {"survey": "ok"})).status_code == 200


async def test_a_monitoring_visit_checks_its_date_too(harness: Harness) -> None:
    """visit (a monitoring case's 入户核实) goes through the same check."""
    year = await harness.year()
    marginal = await harness.household()
    await harness.income(marginal, year, "5000")
    opened = await harness.client.post(
        "/monitoring",
        json={
            "household_id": str(marginal),
            "year": year,
            "monitored_type": "marginal",
            "discovery": "cadre_visit",
        },
        headers=harness.village(),
    )
    assert opened.status_code == 201, opened.text
    case = str(opened.json()["id"])
    refused = await harness.act(case, "visit", harness.village(), {"visited_on": "2099-01-01"})
    assert refused.status_code == 422 and refused.json()["code"] == "future-date", refused.text
    taken = await harness.act(case, "visit", harness.village(), {"visited_on": await harness.today()})
    assert taken.status_code == 200, taken.text
