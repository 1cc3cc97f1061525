"""All SQL of village teams."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.models import village_teams

Row = dict[str, Any]
Position = tuple[str, uuid.UUID]
_CURRENT = village_teams.c.ended_on.is_(None)


async def lock_village(session: AsyncSession, code: str) -> None:
    """Serialise the forming of one village's teams until the transaction ends: two replacements at once
    would both end the same team and then both stand (the unique index refusing the second as a 500)."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"assistance.team.{code}"))))


async def current(session: AsyncSession, code: str) -> Row | None:
    row = (
        (await session.execute(select(village_teams).where(village_teams.c.division == code, _CURRENT)))
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def of_village(session: AsyncSession, code: str) -> list[Row]:
    """Every team of the village, newest first."""
    rows = await session.execute(
        select(village_teams)
        .where(village_teams.c.division == code)
        .order_by(village_teams.c.started_on.desc(), village_teams.c.formed_at.desc())
    )
    return [dict(row) for row in rows.mappings()]


async def end(session: AsyncSession, team_id: uuid.UUID, values: Row) -> Row:
    """End a team (`ended_on`, `end_reason`, `ended_by`), stamped now; the ended row."""
    row = (
        (
            await session.execute(
                update(village_teams)
                .where(village_teams.c.id == team_id)
                .values(ended_at=func.now(), **values)
                .returning(*village_teams.c)
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


async def add(session: AsyncSession, values: Row) -> Row:
    row = (
        (await session.execute(insert(village_teams).values(**values).returning(*village_teams.c)))
        .mappings()
        .one()
    )
    return dict(row)


async def current_page(
    session: AsyncSession, lo: str, hi: str, after: Position | None, limit: int
) -> list[Row]:
    """`limit + 1` current teams within [lo, hi] after `after`, in (division, id) order."""
    query = select(village_teams).where(_CURRENT, village_teams.c.division.between(lo, hi))
    if after is not None:
        query = query.where(tuple_(village_teams.c.division, village_teams.c.id) > after)
    query = query.order_by(village_teams.c.division, village_teams.c.id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]
