"""All SQL of rectification tasks."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, insert, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from evaluation.models import rectification_deadlines, rectifications

Row = dict[str, Any]
Position = tuple[str, uuid.UUID]


@dataclass(frozen=True)
class Filter:
    lo: str
    hi: str
    status: str | None = None
    # With `open_statuses`: only those not done whose deadline is before it.
    overdue_before: dt.date | None = None
    open_statuses: tuple[str, ...] = ()


async def add_all(session: AsyncSession, rows: list[Row]) -> list[Row]:
    if not rows:
        return []
    result = await session.execute(insert(rectifications).returning(*rectifications.c), rows)
    return sorted((dict(row) for row in result.mappings()), key=lambda row: (row["division"], row["id"]))


def _within(lo: str, hi: str) -> ColumnElement[bool]:
    """A task of the subtree [lo, hi], or assigned to a division within it."""
    return or_(rectifications.c.division.between(lo, hi), rectifications.c.assignee.between(lo, hi))


async def get(
    session: AsyncSession, rectification_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    query = select(rectifications).where(rectifications.c.id == rectification_id, _within(lo, hi))
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def change(session: AsyncSession, rectification_id: uuid.UUID, values: Row) -> Row:
    result = await session.execute(
        update(rectifications)
        .where(rectifications.c.id == rectification_id)
        .values(updated_at=func.now(), **values)
        .returning(*rectifications.c)
    )
    return dict(result.mappings().one())


async def page(session: AsyncSession, where: Filter, after: Position | None, limit: int) -> list[Row]:
    """`limit + 1` tasks matching `where` after `after`, in (division, id) order."""
    query = select(rectifications).where(_within(where.lo, where.hi))
    if where.status is not None:
        query = query.where(rectifications.c.status == where.status)
    if where.overdue_before is not None:
        query = query.where(
            rectifications.c.deadline < where.overdue_before,
            rectifications.c.status.in_(where.open_statuses),
        )
    if after is not None:
        query = query.where(tuple_(rectifications.c.division, rectifications.c.id) > after)
    query = query.order_by(rectifications.c.division, rectifications.c.id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def add_deadline_change(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(rectification_deadlines).values(**values))


async def deadline_history(session: AsyncSession, rectification_id: uuid.UUID) -> list[Row]:
    query = (
        select(rectification_deadlines)
        .where(rectification_deadlines.c.rectification_id == rectification_id)
        .order_by(rectification_deadlines.c.extended_at, rectification_deadlines.c.deadline)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]
