"""All SQL of measures."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.models import measures

Row = dict[str, Any]
Position = tuple[str, uuid.UUID]


@dataclass(frozen=True)
class Filter:
    lo: str
    hi: str
    status: str | None = None
    type: str | None = None
    # With `today`: only those still open (`open_statuses`) whose deadline is before it.
    overdue_before: dt.date | None = None
    open_statuses: tuple[str, ...] = ()


async def add(session: AsyncSession, values: Row) -> Row:
    row = (await session.execute(insert(measures).values(**values).returning(*measures.c))).mappings().one()
    return dict(row)


async def get(
    session: AsyncSession, measure_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    """The measure if it lies within [lo, hi]; locked for a change, so that two changes serialise."""
    query = select(measures).where(measures.c.id == measure_id, measures.c.division.between(lo, hi))
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def change(session: AsyncSession, measure_id: uuid.UUID, values: Row) -> Row:
    row = (
        (
            await session.execute(
                update(measures)
                .where(measures.c.id == measure_id)
                .values(updated_at=func.now(), **values)
                .returning(*measures.c)
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


async def of_household(session: AsyncSession, household_id: uuid.UUID) -> list[Row]:
    """The household's set, in the order the measures were added."""
    rows = await session.execute(
        select(measures)
        .where(measures.c.household_id == household_id)
        .order_by(measures.c.added_at, measures.c.id)
    )
    return [dict(row) for row in rows.mappings()]


async def page(session: AsyncSession, where: Filter, after: Position | None, limit: int) -> list[Row]:
    """`limit + 1` measures matching `where` after `after`, in (division, id) order."""
    query = select(measures).where(measures.c.division.between(where.lo, where.hi))
    if where.status is not None:
        query = query.where(measures.c.status == where.status)
    if where.type is not None:
        query = query.where(measures.c.type == where.type)
    if where.overdue_before is not None:
        query = query.where(
            measures.c.deadline < where.overdue_before, measures.c.status.in_(where.open_statuses)
        )
    if after is not None:
        query = query.where(tuple_(measures.c.division, measures.c.id) > after)
    query = query.order_by(measures.c.division, measures.c.id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]
