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
from dataclasses import dataclass
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


def no_income_facts(year: int) -> Facts:
    """What a step records when neither year's income is recorded for a case of `year`."""
    return {"income_recorded": False, "income_years": [year - 1, year]}


def line_facts(line: standards.Standard) -> Facts:
    """What a step records of the standard it compared the income with."""
    return {"poverty_line": str(line.amount), "poverty_standard": line.record()}


def judged_facts(per_capita: Decimal, income_year: int, line: Facts) -> Facts:
    """What a step records of the income it judged and of the standard (`line_facts`) it compared it with."""
    return {"per_capita_net_income": str(per_capita), "income_year": income_year, **line}


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
        return [], no_income_facts(year)
    income_year, per_capita = judged
    line = await standards.effective(session, standards.POVERTY_LINE, income_year, division)
    if line is None:
        return [f"no poverty line standard in force for {income_year}"], {}
    facts = judged_facts(per_capita, income_year, line_facts(line))
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


@dataclass(frozen=True)
class ListJudgment:
    """The income test over a list: the cases it refuses, and for every other case the facts its step
    records (the same as a case decided on its own records: income_failures)."""

    failing: list[uuid.UUID]
    facts: dict[uuid.UUID, Facts]


async def judge_list(session: AsyncSession, cases: list[Row]) -> ListJudgment:
    """Of a list's cases (id, division, year, this_year and last_year per-capita incomes), those the test
    refuses and what each of the others records: the same rule as income_failures, for a whole list at
    once. The line is looked up once per county and year (every village of a county has the same chain of
    regions), not once per case: a county's list holds tens of thousands of cases (B7)."""
    # Each line's facts are built once and shared by its cases' records (B7: a list of 100,000).
    lines: dict[tuple[str, int], tuple[Decimal, Facts] | None] = {}
    judgment = ListJudgment(failing=[], facts={})
    for case in cases:
        judged = judged_income(case["year"], case["this_year"], case["last_year"])
        if judged is None:
            judgment.facts[case["id"]] = no_income_facts(case["year"])  # nothing to judge (income_failures)
            continue
        year, per_capita = judged
        county = str(case["division"])[:6].ljust(12, "0")
        if (county, year) not in lines:
            line = await standards.effective(session, standards.POVERTY_LINE, year, county)
            lines[(county, year)] = None if line is None else (line.amount, line_facts(line))
        found = lines[(county, year)]
        if found is None or per_capita > found[0]:
            judgment.failing.append(case["id"])
        else:
            judgment.facts[case["id"]] = judged_facts(per_capita, year, found[1])
    return judgment
