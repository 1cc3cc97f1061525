"""All SQL of quotas (规模控制) and their adjustment log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from identification.models import cases, quota_adjustments, quotas

Row = dict[str, Any]


async def lock_quotas(session: AsyncSession, year: int, codes: Sequence[str]) -> dict[str, int]:
    """The quotas of these divisions, locked: concurrent decisions on one list serialise here, so two
    batches cannot both take the last place."""
    rows = await session.execute(
        select(quotas.c.division, quotas.c.amount)
        .where(quotas.c.year == year, quotas.c.division.in_(list(codes)))
        .order_by(quotas.c.division)
        .with_for_update()
    )
    return {row.division: int(row.amount) for row in rows}


async def usage_by_village(
    session: AsyncSession, lo: str, hi: str, year: int, states: Sequence[str]
) -> dict[str, int]:
    rows = await session.execute(
        select(cases.c.division, func.count())
        .where(
            cases.c.kind == "identification",
            cases.c.year == year,
            cases.c.division.between(lo, hi),
            cases.c.state.in_(list(states)),
        )
        .group_by(cases.c.division)
    )
    return {str(division): int(count) for division, count in rows.tuples()}


async def get(session: AsyncSession, division: str, year: int) -> Row | None:
    row = (
        (await session.execute(select(quotas).where(quotas.c.division == division, quotas.c.year == year)))
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def list_quotas(session: AsyncSession, lo: str, hi: str, year: int) -> list[Row]:
    rows = await session.execute(
        select(quotas)
        .where(quotas.c.year == year, quotas.c.division.between(lo, hi))
        .order_by(quotas.c.division)
    )
    return [dict(row) for row in rows.mappings()]


async def upsert(session: AsyncSession, division: str, year: int, amount: int, actor: str) -> None:
    stmt = pg_insert(quotas).values(division=division, year=year, amount=amount, set_by=actor)
    await session.execute(
        stmt.on_conflict_do_update(
            constraint="pk_quotas", set_={"amount": amount, "set_by": actor, "updated_at": func.now()}
        )
    )


async def record_adjustment(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(quota_adjustments).values(**values))


async def adjustments(session: AsyncSession, division: str, year: int) -> list[Row]:
    rows = await session.execute(
        select(quota_adjustments)
        .where(quota_adjustments.c.division == division, quota_adjustments.c.year == year)
        .order_by(quota_adjustments.c.seq)
    )
    return [dict(row) for row in rows.mappings()]
