"""The identification test (QA7 domain-conformance F1): a household is identified as poor only when its
per-capita net income (the case year's, else the year before's) is at or below the poverty line in force
for its region and that year. Checked at the verification and again at the county's approval, refused
with 422 identification-checks, and the step records the income and the standard it used (or that no
income of those years was recorded, which is not refused)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import text

# The `harness` fixture and its Harness class come from conftest.py.
Harness = Any

PROVINCE = "520000000000"
SURVEY = {"survey": "入户核实"}


async def _history(harness: Harness, case: str) -> list[dict[str, Any]]:
    response = await harness.client.get(f"/cases/{case}/history", headers=harness.county())
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


async def _applied(harness: Harness, income: str | None, year_offset: int = 0) -> tuple[uuid.UUID, str]:
    """A household whose only income (if any) is `income` in the year `year_offset` from now, and its
    application for this year's round."""
    household = await harness.household(income=None)
    if income is not None:
        await harness.income(household, await harness.year() + year_offset, income)
    return household, await harness.apply(household)


async def _province_line(harness: Harness, year: int, amount: str) -> None:
    """A province's higher poverty line, as the registry's standard.set event leaves it."""
    async with harness.app.state.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO rm_standards (standard_id, kind, year, region, amount, valid_from, set_by, reason) "
                "VALUES (9001, 'poverty_line', :year, :region, :amount, :valid_from, 'province', '省定标准')"
            ),
            {"year": year, "region": PROVINCE, "amount": amount, "valid_from": dt.date(year, 1, 1)},
        )


async def test_an_income_above_the_line_is_refused_at_verification_and_nothing_changes(
    harness: Harness,
) -> None:
    year = await harness.year()
    _, case = await _applied(harness, "50000")
    refused = await harness.act(case, "verify", harness.village(), SURVEY)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["code"] == "identification-checks"
    [failed] = body["failed"]
    assert "50000" in failed and "above the poverty line 4000" in failed and str(year) in failed
    assert "000000000000" in failed  # the line's region
    assert await harness.state(case) == "applied"
    assert [row["action"] for row in await _history(harness, case)] == ["open"]


async def test_no_income_of_this_year_or_the_last_is_recorded_not_refused(harness: Harness) -> None:
    """Nothing to judge is not a refusal (the verification is where the income is often first surveyed), but
    the step says so; an income two years old is no income of the round."""
    year = await harness.year()
    for income, offset in ((None, 0), ("1000", -2)):
        _, case = await _applied(harness, income, year_offset=offset)
        verified = await harness.act(case, "verify", harness.village(), SURVEY)
        assert verified.status_code == 200, verified.text
        [row] = [row for row in await _history(harness, case) if row["action"] == "verify"]
        assert row["detail"]["income_recorded"] is False
        assert row["detail"]["income_years"] == [year - 1, year]


async def test_an_income_at_the_line_passes_and_the_history_names_the_standard(harness: Harness) -> None:
    year = await harness.year()
    _, case = await _applied(harness, "4000")
    verified = await harness.act(case, "verify", harness.village(), SURVEY)
    assert verified.status_code == 200, verified.text
    [row] = [row for row in await _history(harness, case) if row["action"] == "verify"]
    detail = row["detail"]
    assert detail["finding"] == SURVEY
    assert (detail["per_capita_net_income"], detail["income_year"], detail["poverty_line"]) == (
        "4000.00",
        year,
        "4000",
    )
    standard = detail["poverty_standard"]
    assert (standard["kind"], standard["region"], standard["amount"]) == (
        "poverty_line",
        "000000000000",
        "4000",
    )


async def test_last_years_income_is_judged_when_this_years_is_not_recorded(harness: Harness) -> None:
    year = await harness.year()
    _, case = await _applied(harness, "3000", year_offset=-1)
    verified = await harness.act(case, "verify", harness.village(), SURVEY)
    assert verified.status_code == 200, verified.text
    [row] = [row for row in await _history(harness, case) if row["action"] == "verify"]
    assert row["detail"]["income_year"] == year - 1


async def test_a_provinces_higher_line_applies_to_its_households(harness: Harness) -> None:
    year = await harness.year()
    _, case = await _applied(harness, "4500")
    refused = await harness.act(case, "verify", harness.village(), SURVEY)
    assert refused.status_code == 422, refused.text
    await _province_line(harness, year, "5000")
    verified = await harness.act(case, "verify", harness.village(), SURVEY)
    assert verified.status_code == 200, verified.text
    [row] = [row for row in await _history(harness, case) if row["action"] == "verify"]
    standard = row["detail"]["poverty_standard"]
    assert (standard["region"], standard["amount"], standard["id"]) == (PROVINCE, "5000", 9001)
    assert row["detail"]["poverty_line"] == "5000"


async def test_county_approval_rechecks_an_income_recorded_after_the_verification(harness: Harness) -> None:
    year = await harness.year()
    await harness.quotas(year, 10)
    household, case = await _applied(harness, "3000")
    assert (await harness.act(case, "verify", harness.village(), SURVEY)).status_code == 200
    await harness.sql("UPDATE cases SET state = 'second_noticed' WHERE id = :i", i=uuid.UUID(case))
    # The registry's corrected income of the year, above the line.
    await harness.income(household, year, "8000")
    check = {"passed": True, "note": "材料齐全"}
    refused = await harness.act(case, "county_approve", harness.county(), check)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "identification-checks"
    assert "reject the case" in refused.json()["detail"]
    assert "8000" in refused.json()["failed"][0]
    assert await harness.state(case) == "second_noticed"
    # Corrected back below the line, the approval goes through and records what it judged.
    await harness.income(household, year, "3500")
    approved = await harness.act(case, "county_approve", harness.county(), check)
    assert approved.status_code == 200, approved.text
    [row] = [row for row in await _history(harness, case) if row["action"] == "county_approve"]
    assert row["detail"]["per_capita_net_income"] == "3500.00"
    assert row["detail"]["poverty_standard"]["amount"] == "4000"
