"""All SQL of the visit summaries and the coverage of a division.

A tier's figures are one aggregating statement over its subtree: every table is read by a range of its
`division` column (the jurisdiction predicate), and the households are grouped by the first digits of their
village code, as many as the child level's prefix has (fupin_kit.divisions.PREFIX_LENGTH), so that a
province's answer is one pass over its households rather than a query per child. A village's figures are
grouped by household instead. Households "in charge" are those the read model holds as registered,
returned or monitored now: it keeps no history of statuses, so a household's status at a period's end is
read as its current one."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.codes import VisitKind
from assistance.measures import workflow
from assistance.models import (
    helper_assignments,
    household_plans,
    measures,
    rm_households,
    village_teams,
    visits,
)

Row = dict[str, Any]
KINDS: tuple[str, ...] = tuple(kind.value for kind in VisitKind)
OPEN_MEASURES: tuple[str, ...] = tuple(status.value for status in workflow.OPEN)


@dataclass(frozen=True)
class Scope:
    """The subtree [lo, hi] and how its households are grouped: by the first `prefix_length` digits of
    their village code, or, with `per_household`, one group per household (a village's rows)."""

    lo: str
    hi: str
    prefix_length: int
    per_household: bool = False


def kind_column(kind: str) -> str:
    return f"kind_{kind}"


def _group_keys(scope: Scope) -> list[ColumnElement[Any]]:
    if scope.per_household:
        return [rm_households.c.household_id, rm_households.c.head_name, rm_households.c.division]
    return [func.substr(rm_households.c.division, 1, scope.prefix_length).label("child")]


def _in_charge(scope: Scope, statuses: tuple[str, ...]) -> ColumnElement[bool]:
    return and_(rm_households.c.division.between(scope.lo, scope.hi), rm_households.c.status.in_(statuses))


def _grouped(query: Select[Any], keys: list[ColumnElement[Any]], scope: Scope) -> Select[Any]:
    """Grouped by the very `keys` selected: a second substr() would bind its own parameters, which
    PostgreSQL cannot tell are the same expression."""
    # A village's households in (division, id) order, as the household lists page them.
    order = [rm_households.c.division, rm_households.c.household_id] if scope.per_household else keys
    return query.group_by(*keys).order_by(*order)


async def _rows(session: AsyncSession, query: Select[Any]) -> list[Row]:
    return [dict(row) for row in (await session.execute(query)).mappings()]


# ---- one household's year ----------------------------------------------------------------------------------


async def household_month_tallies(
    session: AsyncSession, household_id: uuid.UUID, first: dt.date, last: dt.date
) -> list[Row]:
    """(month, kind, visits) of the household's visits dated within [first, last]."""
    month = func.extract("month", visits.c.visited_on).label("month")
    query = (
        select(month, visits.c.kind, func.count().label("visits"))
        .where(visits.c.household_id == household_id, visits.c.visited_on.between(first, last))
        .group_by(month, visits.c.kind)
    )
    return await _rows(session, query)


async def last_visited_on(session: AsyncSession, household_id: uuid.UUID, today: dt.date) -> dt.date | None:
    query = select(func.max(visits.c.visited_on)).where(
        visits.c.household_id == household_id, visits.c.visited_on <= today
    )
    day: dt.date | None = (await session.execute(query)).scalar()
    return day


# ---- a division's visits in a period -----------------------------------------------------------------------


def _visit_tallies(scope: Scope, first: dt.date, last: dt.date) -> Any:
    """Per household of the subtree: its visits dated within [first, last], in all and by kind."""
    by_kind = [func.count().filter(visits.c.kind == kind).label(kind_column(kind)) for kind in KINDS]
    return (
        select(visits.c.household_id, func.count().label("visits"), *by_kind)
        .where(visits.c.division.between(scope.lo, scope.hi), visits.c.visited_on.between(first, last))
        .group_by(visits.c.household_id)
        .subquery("tallies")
    )


async def visit_summary(
    session: AsyncSession, scope: Scope, statuses: tuple[str, ...], first: dt.date, last: dt.date
) -> list[Row]:
    """Per group of the households in charge (`statuses`): how many, how many were visited within [first,
    last], and their visits there, in all and by kind."""
    tallies = _visit_tallies(scope, first, last)
    keys = _group_keys(scope)
    sums = [
        func.coalesce(func.sum(tallies.c[kind_column(kind)]), 0).label(kind_column(kind)) for kind in KINDS
    ]
    query = (
        select(
            *keys,
            func.count().label("households_in_charge"),
            func.count(tallies.c.household_id).label("households_visited"),
            func.coalesce(func.sum(tallies.c.visits), 0).label("visits"),
            *sums,
        )
        .select_from(rm_households.outerjoin(tallies, tallies.c.household_id == rm_households.c.household_id))
        .where(_in_charge(scope, statuses))
    )
    return await _rows(session, _grouped(query, keys, scope))


# ---- a division's coverage ---------------------------------------------------------------------------------


def _households_with_current_helper(scope: Scope) -> Any:
    # One current assignment per household at most (uq_helper_assignments_current): no DISTINCT needed.
    return (
        select(helper_assignments.c.household_id)
        .where(
            helper_assignments.c.ended_on.is_(None),
            helper_assignments.c.division.between(scope.lo, scope.hi),
        )
        .subquery("helped")
    )


def _households_with_plan(scope: Scope) -> Any:
    return (
        select(household_plans.c.household_id)
        .where(household_plans.c.division.between(scope.lo, scope.hi))
        .group_by(household_plans.c.household_id)
        .subquery("planned")
    )


def _measure_flags(scope: Scope, today: dt.date) -> Any:
    """Per household: whether it has a measure that was not cancelled, and one open past its deadline."""
    overdue = and_(measures.c.deadline < today, measures.c.status.in_(OPEN_MEASURES))
    return (
        select(
            measures.c.household_id,
            func.bool_or(measures.c.status != "cancelled").label("with_measure"),
            func.bool_or(overdue).label("with_overdue"),
        )
        .where(measures.c.division.between(scope.lo, scope.hi))
        .group_by(measures.c.household_id)
        .subquery("measured")
    )


def _households_visited_since(scope: Scope, since: dt.date, today: dt.date) -> Any:
    return (
        select(visits.c.household_id)
        .where(visits.c.division.between(scope.lo, scope.hi), visits.c.visited_on.between(since, today))
        .group_by(visits.c.household_id)
        .subquery("recent")
    )


async def coverage(
    session: AsyncSession, scope: Scope, statuses: tuple[str, ...], today: dt.date, visited_since: dt.date
) -> list[Row]:
    """Per group of the households in charge: how many, and how many have a current helper, a plan, a
    measure (not cancelled), an overdue measure, and a visit within [visited_since, today]."""
    helped = _households_with_current_helper(scope)
    planned = _households_with_plan(scope)
    measured = _measure_flags(scope, today)
    recent = _households_visited_since(scope, visited_since, today)
    household = rm_households.c.household_id
    keys = _group_keys(scope)
    joined = (
        rm_households.outerjoin(helped, helped.c.household_id == household)
        .outerjoin(planned, planned.c.household_id == household)
        .outerjoin(measured, measured.c.household_id == household)
        .outerjoin(recent, recent.c.household_id == household)
    )
    query = (
        select(
            *keys,
            func.count().label("households_in_charge"),
            func.count(helped.c.household_id).label("with_helper"),
            func.count(planned.c.household_id).label("with_plan"),
            func.count().filter(measured.c.with_measure).label("with_measure"),
            func.count().filter(measured.c.with_overdue).label("with_overdue_measure"),
            func.count(recent.c.household_id).label("visited_recently"),
        )
        .select_from(joined)
        .where(_in_charge(scope, statuses))
    )
    return await _rows(session, _grouped(query, keys, scope))


async def villages_with_team(session: AsyncSession, scope: Scope) -> list[Row]:
    """Per group (scope.prefix_length digits): the villages known here — those holding a household of the
    read model, whatever its status, or a team — and how many of them have a current resident team."""
    current_team = and_(
        village_teams.c.ended_on.is_(None), village_teams.c.division.between(scope.lo, scope.hi)
    )
    known = union(
        select(rm_households.c.division).where(rm_households.c.division.between(scope.lo, scope.hi)),
        select(village_teams.c.division).where(current_team),
    ).subquery("villages")
    teams = select(village_teams.c.division).where(current_team).subquery("teams")
    child = func.substr(known.c.division, 1, scope.prefix_length).label("child")
    query = (
        select(
            child, func.count().label("villages"), func.count(teams.c.division).label("villages_with_team")
        )
        .select_from(known.outerjoin(teams, teams.c.division == known.c.division))
        .group_by(child)
        .order_by(child)
    )
    return await _rows(session, query)
