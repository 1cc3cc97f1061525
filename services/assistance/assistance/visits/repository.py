"""All SQL of the visit log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.models import visits

Row = dict[str, Any]
Position = tuple[dt.date, uuid.UUID]


async def add(session: AsyncSession, values: Row) -> Row:
    row = (await session.execute(insert(visits).values(**values).returning(*visits.c))).mappings().one()
    return dict(row)


async def newest_first(
    session: AsyncSession, household_id: uuid.UUID, before: Position | None, limit: int
) -> list[Row]:
    """`limit + 1` visits of the household before `before`, newest first by (visited_on, id)."""
    query = select(visits).where(visits.c.household_id == household_id)
    if before is not None:
        query = query.where(tuple_(visits.c.visited_on, visits.c.id) < before)
    query = query.order_by(visits.c.visited_on.desc(), visits.c.id.desc()).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def last_visits_of(session: AsyncSession, household_ids: list[uuid.UUID]) -> dict[uuid.UUID, dt.date]:
    """The day of the latest visit of each of these households that has one."""
    if not household_ids:
        return {}
    query = (
        select(visits.c.household_id, func.max(visits.c.visited_on).label("last"))
        .where(visits.c.household_id.in_(household_ids))
        .group_by(visits.c.household_id)
    )
    return {row["household_id"]: row["last"] for row in (await session.execute(query)).mappings()}
