"""All SQL of loans and their repayments, and of the read model's members a borrower is checked against."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.models import loan_repayments, loans, rm_members

Row = dict[str, Any]
Position = tuple[str, uuid.UUID]


@dataclass(frozen=True)
class Filter:
    lo: str
    hi: str
    status: str | None = None
    due_before: dt.date | None = None


async def member(session: AsyncSession, household_id: uuid.UUID, member_id: uuid.UUID) -> Row | None:
    row = (
        (
            await session.execute(
                select(rm_members).where(
                    rm_members.c.member_id == member_id, rm_members.c.household_id == household_id
                )
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def outstanding_of(
    session: AsyncSession, household_id: uuid.UUID, statuses: tuple[str, ...]
) -> Row | None:
    query = select(loans).where(loans.c.household_id == household_id, loans.c.status.in_(statuses))
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def add(session: AsyncSession, values: Row) -> Row:
    return dict((await session.execute(insert(loans).values(**values).returning(*loans.c))).mappings().one())


async def get(
    session: AsyncSession, loan_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    """The loan if it lies within [lo, hi]; locked for a change, so that two changes serialise."""
    query = select(loans).where(loans.c.id == loan_id, loans.c.division.between(lo, hi))
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def change(session: AsyncSession, loan_id: uuid.UUID, values: Row) -> Row:
    statement = update(loans).where(loans.c.id == loan_id).values(updated_at=func.now(), **values)
    return dict((await session.execute(statement.returning(*loans.c))).mappings().one())


async def add_repayment(session: AsyncSession, values: Row) -> Row:
    statement = insert(loan_repayments).values(**values).returning(*loan_repayments.c)
    return dict((await session.execute(statement)).mappings().one())


async def repayments(session: AsyncSession, loan_id: uuid.UUID) -> list[Row]:
    """Oldest first."""
    query = (
        select(loan_repayments)
        .where(loan_repayments.c.loan_id == loan_id)
        .order_by(loan_repayments.c.paid_on, loan_repayments.c.recorded_at, loan_repayments.c.id)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def of_household(session: AsyncSession, household_id: uuid.UUID) -> list[Row]:
    """Newest first."""
    query = (
        select(loans)
        .where(loans.c.household_id == household_id)
        .order_by(loans.c.disbursed_on.desc(), loans.c.recorded_at.desc())
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def page(session: AsyncSession, where: Filter, after: Position | None, limit: int) -> list[Row]:
    """`limit + 1` loans matching `where` after `after`, in (division, id) order."""
    query = select(loans).where(loans.c.division.between(where.lo, where.hi))
    if where.status is not None:
        query = query.where(loans.c.status == where.status)
    if where.due_before is not None:
        query = query.where(loans.c.due_on < where.due_before)
    if after is not None:
        query = query.where(tuple_(loans.c.division, loans.c.id) > after)
    query = query.order_by(loans.c.division, loans.c.id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]
