"""The identification test (识别标准, domain.md §2–3): a household is identified as poor when its per-capita
net income is at or below the poverty line in force for its region and the income's year (the registry's
`poverty_line` standard, kept in identification's read model: the highest line along the region chain,
carried forward from the latest earlier year). Every check records the standard it used.

Run at the household verification (入户核实), where the survey meets the registry's income, and again at
the county's approval, the step that decides the household is poor: the income may be recorded or
corrected in the registry while the case runs, so what the verification found is not taken for what holds
at the approval.

The income judged is the case year's, else the year before's: an application is for a round that may
still be running, so the latest complete year is often the one before (as the risk clearance reads the
latest of this year and the last)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.problems import ProblemError, unprocessable
from identification import standards
from identification.cases import repository

Row = dict[str, Any]
Facts = dict[str, Any]


def judged_income(year: int, this_year: Any, last_year: Any) -> tuple[int, Decimal] | None:
    """The income the test judges for a case of `year` and the year it is of: the case year's per-capita net
    income, else the year before's; None when neither is recorded."""
    if this_year is not None:
        return year, Decimal(this_year)
    if last_year is not None:
        return year - 1, Decimal(last_year)
    return None


async def _per_capita(session: AsyncSession, household_id: uuid.UUID, year: int) -> Any:
    income = await repository.income(session, household_id, year)
    return None if income is None else income["per_capita_net_income"]


async def income_failures(
    session: AsyncSession, household_id: uuid.UUID, division: str, year: int
) -> tuple[list[str], Facts]:
    """Failed checks, and the facts seen (the income, its year and the standard it was compared with)."""
    judged = judged_income(
        year,
        await _per_capita(session, household_id, year),
        await _per_capita(session, household_id, year - 1),
    )
    if judged is None:
        # Nothing to judge: not refused, since the verification is where a household's income is often
        # first surveyed and recorded in the registry afterwards; the step records that no income was
        # judged, and the county's approval judges again whatever has been recorded by then.
        return [], {"income_recorded": False, "income_years": [year - 1, year]}
    income_year, per_capita = judged
    line = await standards.effective(session, standards.POVERTY_LINE, income_year, division)
    if line is None:
        return [f"no poverty line standard in force for {income_year}"], {}
    facts = {
        "per_capita_net_income": str(per_capita),
        "income_year": income_year,
        "poverty_line": str(line.amount),
        "poverty_standard": line.record(),
    }
    if per_capita > line.amount:
        return [
            f"per-capita net income {per_capita} ({income_year}) is above the poverty line {line.amount} "
            f"({line.region}, {line.standard_year})"
        ], facts
    return [], facts


def checks_failed(failed: list[str], hint: str = "") -> ProblemError:
    return unprocessable(
        f"the identification checks failed{hint}", code="identification-checks", failed=failed
    )


async def checked(session: AsyncSession, case: Row, household: Row | None, *, recheck: bool) -> Facts:
    """The facts to record on the step, or the 422 identification-checks naming what failed. The region is
    the household's as identification knows it now (the case's when the read model has none)."""
    division = case["division"] if household is None else household["division"]
    failed, facts = await income_failures(session, case["household_id"], division, case["year"])
    if failed:
        hint = " since the verification: reject the case with the reason instead" if recheck else ""
        raise checks_failed(failed, hint)
    return facts


async def failing_among(session: AsyncSession, cases: list[Row]) -> list[uuid.UUID]:
    """Of a list's cases (id, division, year, this_year and last_year per-capita incomes), those the test
    refuses: the same rule as income_failures, for a whole list at once. The line is looked up once per
    county and year (every village of a county has the same chain of regions), not once per case: a
    county's list holds tens of thousands of cases (B7)."""
    lines: dict[tuple[str, int], Decimal | None] = {}
    failing: list[uuid.UUID] = []
    for case in cases:
        judged = judged_income(case["year"], case["this_year"], case["last_year"])
        if judged is None:
            continue  # nothing to judge (income_failures)
        year, per_capita = judged
        county = str(case["division"])[:6].ljust(12, "0")
        if (county, year) not in lines:
            line = await standards.effective(session, standards.POVERTY_LINE, year, county)
            lines[(county, year)] = None if line is None else line.amount
        limit = lines[(county, year)]
        if limit is None or per_capita > limit:
            failing.append(case["id"])
    return failing
