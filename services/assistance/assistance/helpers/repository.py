"""All SQL of helper assignments and the household lists."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.models import helper_assignments, rm_households, visits

Row = dict[str, Any]
Position = tuple[str, uuid.UUID]
_CURRENT = helper_assignments.c.ended_on.is_(None)


async def lock_household(session: AsyncSession, household_id: uuid.UUID, lo: str, hi: str) -> Row | None:
    """The household if it lies within [lo, hi], locked: two assignments to one household serialise here."""
    row = (
        (
            await session.execute(
                select(rm_households)
                .where(rm_households.c.household_id == household_id, rm_households.c.division.between(lo, hi))
                .with_for_update()
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def get_household(session: AsyncSession, household_id: uuid.UUID, lo: str, hi: str) -> Row | None:
    row = (
        (
            await session.execute(
                select(rm_households).where(
                    rm_households.c.household_id == household_id, rm_households.c.division.between(lo, hi)
                )
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def current(session: AsyncSession, household_id: uuid.UUID) -> Row | None:
    row = (
        (
            await session.execute(
                select(helper_assignments).where(helper_assignments.c.household_id == household_id, _CURRENT)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def of_household(session: AsyncSession, household_id: uuid.UUID) -> list[Row]:
    """Every assignment of the household, newest first."""
    rows = await session.execute(
        select(helper_assignments)
        .where(helper_assignments.c.household_id == household_id)
        .order_by(helper_assignments.c.started_on.desc(), helper_assignments.c.assigned_at.desc())
    )
    return [dict(row) for row in rows.mappings()]


async def end(session: AsyncSession, assignment_id: uuid.UUID, values: Row) -> Row:
    """End an assignment (`ended_on`, `end_reason`, `ended_by`), stamped now; the ended row."""
    row = (
        (
            await session.execute(
                update(helper_assignments)
                .where(helper_assignments.c.id == assignment_id)
                .values(ended_at=func.now(), **values)
                .returning(*helper_assignments.c)
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


async def add(session: AsyncSession, values: Row) -> Row:
    row = (
        (await session.execute(insert(helper_assignments).values(**values).returning(*helper_assignments.c)))
        .mappings()
        .one()
    )
    return dict(row)


async def current_page(
    session: AsyncSession, lo: str, hi: str, after: Position | None, limit: int
) -> list[Row]:
    """`limit + 1` current assignments within [lo, hi] after `after`, in (division, id) order."""
    query = select(helper_assignments).where(_CURRENT, helper_assignments.c.division.between(lo, hi))
    if after is not None:
        query = query.where(tuple_(helper_assignments.c.division, helper_assignments.c.id) > after)
    query = query.order_by(helper_assignments.c.division, helper_assignments.c.id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]


@dataclass(frozen=True)
class HouseholdFilter:
    lo: str
    hi: str
    # Only households in one of these statuses (none: any).
    statuses: tuple[str, ...] | None = None
    # Only those without a current helper.
    unassigned: bool = False
    # Only those without a visit dated on or after this day (never visited included).
    not_visited_since: dt.date | None = None


async def household_page(
    session: AsyncSession, where: HouseholdFilter, after: Position | None, limit: int
) -> list[Row]:
    """`limit + 1` households matching `where` after `after`, in (division, id) order."""
    household = rm_households.c.household_id
    query = select(rm_households).where(rm_households.c.division.between(where.lo, where.hi))
    if where.statuses is not None:
        query = query.where(rm_households.c.status.in_(where.statuses))
    if where.unassigned:
        query = query.where(~exists().where(and_(helper_assignments.c.household_id == household, _CURRENT)))
    if where.not_visited_since is not None:
        visited = and_(visits.c.household_id == household, visits.c.visited_on >= where.not_visited_since)
        query = query.where(~exists().where(visited))
    if after is not None:
        query = query.where(tuple_(rm_households.c.division, rm_households.c.household_id) > after)
    query = query.order_by(rm_households.c.division, rm_households.c.household_id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def current_of(session: AsyncSession, household_ids: list[uuid.UUID]) -> dict[uuid.UUID, Row]:
    """The current assignment of each of these households that has one."""
    if not household_ids:
        return {}
    rows = await session.execute(
        select(helper_assignments).where(helper_assignments.c.household_id.in_(household_ids), _CURRENT)
    )
    return {row["household_id"]: dict(row) for row in rows.mappings()}
