"""All SQL of payments and the public benefit lists."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, insert, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from funds.models import payments, projects, rm_households

Row = dict[str, Any]
Position = tuple[str, uuid.UUID]
UNIQUE_BENEFIT = "uq_payments_benefit_period"
# The clock when the row is written, not the transaction's start: a project's payments are written one at a
# time under its lock, and the over-budget check orders them by recorded_at.
_NOW = func.clock_timestamp()


class DuplicateBenefit(Exception):
    """The household (member) has this benefit for this period already, at this ordinal."""


def _is_duplicate(exc: IntegrityError) -> bool:
    return UNIQUE_BENEFIT in str(exc.orig)


async def add_first(session: AsyncSession, values: Row) -> Row:
    """The payment as the first of its (household, member, benefit, period); DuplicateBenefit when one is
    held (or committed meanwhile: the unique index waits for a concurrent insert and then refuses)."""
    try:
        async with session.begin_nested():
            row = (
                (
                    await session.execute(
                        insert(payments).values(**values, ordinal=1, recorded_at=_NOW).returning(*payments.c)
                    )
                )
                .mappings()
                .one()
            )
    except IntegrityError as exc:
        if _is_duplicate(exc):
            raise DuplicateBenefit from None
        raise
    return dict(row)


async def add_next(session: AsyncSession, values: Row, attempts: int = 5) -> Row:
    """The payment as the next of its (household, member, benefit, period): recorded however many there
    are (the money left); a concurrent one taking the same ordinal makes this one try the next."""
    member = values["member_id"]
    same_member = payments.c.member_id.is_(None) if member is None else payments.c.member_id == member
    for _ in range(attempts):
        ordinal = (
            select(func.coalesce(func.max(payments.c.ordinal), 0) + 1)
            .where(
                payments.c.household_id == values["household_id"],
                same_member,
                payments.c.benefit == values["benefit"],
                payments.c.period == values["period"],
            )
            .scalar_subquery()
        )
        try:
            async with session.begin_nested():
                row = (
                    (
                        await session.execute(
                            insert(payments)
                            .values(**values, ordinal=ordinal, recorded_at=_NOW)
                            .returning(*payments.c)
                        )
                    )
                    .mappings()
                    .one()
                )
            return dict(row)
        except IntegrityError as exc:
            if not _is_duplicate(exc):
                raise
    raise DuplicateBenefit


async def lock_project(session: AsyncSession, project_id: uuid.UUID, lo: str, hi: str) -> Row | None:
    """The project within [lo, hi], locked: its payments are checked against its budget one at a time."""
    query = (
        select(projects.c.id, projects.c.division, projects.c.budget)
        .where(projects.c.id == project_id, projects.c.division.between(lo, hi))
        .with_for_update()
    )
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def benefit_list(
    session: AsyncSession, village: str, period: str | None, after: Position | None, limit: int
) -> list[Row]:
    """`limit + 1` payments of the village after `after`, in (division, id) order, with the head's name."""
    query = (
        select(
            payments.c.id,
            payments.c.division,
            payments.c.benefit,
            payments.c.period,
            payments.c.standard,
            payments.c.amount,
            func.coalesce(rm_households.c.head_name, "").label("head_name"),
        )
        .select_from(
            payments.outerjoin(rm_households, rm_households.c.household_id == payments.c.household_id)
        )
        .where(payments.c.division == village)
    )
    if period is not None:
        query = query.where(payments.c.period == period)
    if after is not None:
        query = query.where(tuple_(payments.c.division, payments.c.id) > after)
    query = query.order_by(payments.c.division, payments.c.id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]
