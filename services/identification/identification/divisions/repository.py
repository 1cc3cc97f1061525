"""All SQL of the division names identification holds (from the registry's answers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identification.models import division_names

Row = dict[str, Any]


async def get(session: AsyncSession, code: str) -> Row | None:
    row = (
        (await session.execute(select(division_names).where(division_names.c.code == code)))
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def save(session: AsyncSession, rows: list[Row]) -> None:
    """Insert or refresh the names (a renamed division gets its new name)."""
    if not rows:
        return
    stmt = insert(division_names).values(rows)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[division_names.c.code],
            set_={
                "name": stmt.excluded.name,
                "level": stmt.excluded.level,
                "place": stmt.excluded.place,
                "fetched_at": stmt.excluded.fetched_at,
            },
        )
    )
