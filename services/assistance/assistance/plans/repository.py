"""All SQL of household plans."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.models import household_plans

Row = dict[str, Any]


async def versions(session: AsyncSession, household_id: uuid.UUID) -> list[Row]:
    """Every version of the household's plan, newest (the current) first."""
    rows = await session.execute(
        select(household_plans)
        .where(household_plans.c.household_id == household_id)
        .order_by(household_plans.c.version.desc())
    )
    return [dict(row) for row in rows.mappings()]


async def current(session: AsyncSession, household_id: uuid.UUID) -> Row | None:
    row = (
        (
            await session.execute(
                select(household_plans)
                .where(household_plans.c.household_id == household_id)
                .order_by(household_plans.c.version.desc())
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def add(session: AsyncSession, values: Row) -> Row:
    row = (
        (await session.execute(insert(household_plans).values(**values).returning(*household_plans.c)))
        .mappings()
        .one()
    )
    return dict(row)
