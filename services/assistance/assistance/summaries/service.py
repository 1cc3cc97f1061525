"""Visit summaries (走访记录的月、季、年汇总) per household and per tier, and the coverage of a division: how far
assistance reaches its households in charge (domain.md §5). Reads only; every tier within its jurisdiction.

Days are China's: a visit is dated with the visitor's calendar day, and "today", "this year" and the 90
days of a recent visit are read in China time (fupin_kit.civil_time)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from assistance import access, households
from assistance.context import Context
from assistance.helpers import repository as helpers_repository
from assistance.summaries import periods, repository
from assistance.summaries.periods import Period
from assistance.summaries.schemas import (
    CoverageFigures,
    CoverageOut,
    CoverageRow,
    HelperInCharge,
    HouseholdVisitSummaryOut,
    PeriodVisits,
    VisitFigures,
    VisitSummaryOut,
    VisitSummaryRow,
)
from assistance.teams import repository as teams_repository
from fupin_kit import civil_time, divisions
from fupin_kit.pii import mask_texts

# A household is "visited recently" with a visit in these last days, today included.
RECENT_DAYS = 90
HOUSEHOLD_LEVEL = "household"


def no_visits() -> dict[str, int]:
    return dict.fromkeys(repository.KINDS, 0)


# ---- one household's year ----------------------------------------------------------------------------------


def helper_in_charge(ctx: Context, row: repository.Row) -> HelperInCharge:
    unit = row["unit"] if ctx.actor.sees_full_identity else mask_texts(row["unit"])
    return HelperInCharge(
        name=row["name"],
        unit=unit,
        unit_tier=row["unit_tier"],
        started_on=row["started_on"],
        ended_on=row["ended_on"],
    )


def helpers_within(ctx: Context, assignments: list[repository.Row], period: Period) -> list[HelperInCharge]:
    """The assignments that overlap the period, earliest first (an assignment ended the day its successor
    starts counts in that day's period, as both were in charge that day)."""
    overlapping = [
        row
        for row in assignments
        if row["started_on"] <= period.last and (row["ended_on"] is None or row["ended_on"] >= period.first)
    ]
    return [helper_in_charge(ctx, row) for row in sorted(overlapping, key=lambda row: row["started_on"])]


def period_visits(
    ctx: Context, period: Period, by_month: dict[int, dict[str, int]], assignments: list[repository.Row]
) -> PeriodVisits:
    by_kind = no_visits()
    for number in range(period.first.month, period.last.month + 1):
        for kind, count in by_month.get(number, {}).items():
            by_kind[kind] = by_kind.get(kind, 0) + count
    return PeriodVisits(
        period=period.label,
        first_day=period.first,
        last_day=period.last,
        visits=sum(by_kind.values()),
        by_kind=by_kind,
        helpers=helpers_within(ctx, assignments, period),
    )


async def household_year(ctx: Context, household_id: uuid.UUID, year: int | None) -> HouseholdVisitSummaryOut:
    await households.within(ctx, household_id)
    today = civil_time.china_today()
    whole_year = periods.year(today.year if year is None else year)
    periods.require_reachable(whole_year, today)
    by_month: dict[int, dict[str, int]] = {}
    for row in await repository.household_month_tallies(
        ctx.session, household_id, whole_year.first, whole_year.last
    ):
        by_month.setdefault(int(row["month"]), {})[row["kind"]] = int(row["visits"])
    assignments = await helpers_repository.of_household(ctx.session, household_id)
    last = await repository.last_visited_on(ctx.session, household_id, today)
    number = whole_year.first.year
    return HouseholdVisitSummaryOut(
        household_id=household_id,
        year=number,
        today=today,
        last_visited_on=last,
        days_since_last_visit=None if last is None else (today - last).days,
        total=period_visits(ctx, whole_year, by_month, assignments),
        quarters=[period_visits(ctx, p, by_month, assignments) for p in periods.quarters_of(number)],
        months=[period_visits(ctx, p, by_month, assignments) for p in periods.months_of(number)],
    )


# ---- a division's figures ----------------------------------------------------------------------------------


def scope_of(ctx: Context, division: str | None) -> tuple[str, repository.Scope, str]:
    """The division read (the caller's own by default; 404 outside its jurisdiction), how its households
    are grouped, and the name of the child level."""
    lo, hi = access.subtree(ctx.actor, division)
    code = division or ctx.actor.division
    if divisions.level(code) == divisions.Level.VILLAGE:
        return code, repository.Scope(lo, hi, 12, per_household=True), HOUSEHOLD_LEVEL
    child = divisions.child_level(code)
    return code, repository.Scope(lo, hi, divisions.PREFIX_LENGTH[child]), divisions.TIER_NAMES[child]


def row_keys(ctx: Context, row: repository.Row, scope: repository.Scope) -> dict[str, Any]:
    """What names a row: the child division, or a village's household and its head."""
    if scope.per_household:
        return {
            "division": row["division"],
            "household_id": row["household_id"],
            "head_name": access.head_name_as_shown(ctx.actor, row["head_name"]),
        }
    return {"division": str(row["child"]).ljust(12, "0")}


def visit_figures(row: repository.Row) -> dict[str, Any]:
    in_charge, visited = int(row["households_in_charge"]), int(row["households_visited"])
    return {
        "households_in_charge": in_charge,
        "households_visited": visited,
        "households_not_visited": in_charge - visited,
        "visits": int(row["visits"]),
        "by_kind": {kind: int(row[repository.kind_column(kind)]) for kind in repository.KINDS},
    }


def total_visits(rows: Iterable[VisitSummaryRow]) -> VisitFigures:
    total = VisitFigures(
        households_in_charge=0, households_visited=0, households_not_visited=0, visits=0, by_kind=no_visits()
    )
    for row in rows:
        total.households_in_charge += row.households_in_charge
        total.households_visited += row.households_visited
        total.households_not_visited += row.households_not_visited
        total.visits += row.visits
        for kind, count in row.by_kind.items():
            total.by_kind[kind] = total.by_kind.get(kind, 0) + count
    return total


async def visit_summary(ctx: Context, division: str | None, period_text: str | None) -> VisitSummaryOut:
    code, scope, child_level = scope_of(ctx, division)
    today = civil_time.china_today()
    period = periods.parse(period_text or str(today.year), today)
    found = await repository.visit_summary(ctx.session, scope, households.ASSISTED, period.first, period.last)
    rows = [VisitSummaryRow(**row_keys(ctx, row, scope), **visit_figures(row)) for row in found]
    return VisitSummaryOut(
        division=code,
        child_level=child_level,
        period=period.label,
        first_day=period.first,
        last_day=period.last,
        rows=rows,
        total=total_visits(rows),
    )


COVERAGE_COUNTS = (
    "households_in_charge",
    "with_helper",
    "with_plan",
    "with_measure",
    "with_overdue_measure",
    "visited_recently",
)


def coverage_figures(row: repository.Row | None) -> dict[str, int]:
    return {name: 0 if row is None else int(row[name]) for name in COVERAGE_COUNTS}


def child_rows(
    child_level: str, found: list[repository.Row], teams: list[repository.Row]
) -> list[CoverageRow]:
    """One row per child division holding households in charge or known villages, in code order."""
    by_child = {str(row["child"]).ljust(12, "0"): row for row in found}
    teams_by_child = {str(row["child"]).ljust(12, "0"): row for row in teams}
    rows = []
    for code in sorted(by_child.keys() | teams_by_child.keys()):
        team = teams_by_child.get(code, {"villages": 0, "villages_with_team": 0})
        villages, with_team = int(team["villages"]), int(team["villages_with_team"])
        rows.append(
            CoverageRow(
                division=code,
                **coverage_figures(by_child.get(code)),
                villages=villages,
                villages_with_team=with_team,
                team_present=with_team > 0 if child_level == "village" else None,
            )
        )
    return rows


def total_coverage(rows: list[CoverageRow], villages: int, villages_with_team: int) -> CoverageFigures:
    sums = {name: sum(int(getattr(row, name)) for row in rows) for name in COVERAGE_COUNTS}
    return CoverageFigures(**sums, villages=villages, villages_with_team=villages_with_team)


async def coverage(ctx: Context, division: str | None) -> CoverageOut:
    code, scope, child_level = scope_of(ctx, division)
    today = civil_time.china_today()
    since = today - dt.timedelta(days=RECENT_DAYS - 1)
    found = await repository.coverage(ctx.session, scope, households.ASSISTED, today, since)
    if scope.per_household:
        rows = [CoverageRow(**row_keys(ctx, row, scope), **coverage_figures(row)) for row in found]
        with_team = int(await teams_repository.current(ctx.session, code) is not None)
        total = total_coverage(rows, 1, with_team)
    else:
        teams = await repository.villages_with_team(ctx.session, scope)
        rows = child_rows(child_level, found, teams)
        total = total_coverage(
            rows,
            sum(row.villages or 0 for row in rows),
            sum(row.villages_with_team or 0 for row in rows),
        )
    return CoverageOut(
        division=code, child_level=child_level, today=today, visited_since=since, rows=rows, total=total
    )
