from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.sample.models import effects, items


async def add_item(session: AsyncSession, item_id: uuid.UUID, division: str, name: str) -> None:
    await session.execute(insert(items).values(id=item_id, division=division, name=name))


async def get_item(session: AsyncSession, item_id: uuid.UUID, lo: str, hi: str) -> dict[str, Any] | None:
    row = (
        await session.execute(select(items).where(items.c.id == item_id, items.c.division.between(lo, hi)))
    ).first()
    return None if row is None else dict(row._mapping)


async def add_effect(session: AsyncSession, event_id: uuid.UUID, item_id: uuid.UUID, name: str) -> None:
    await session.execute(insert(effects).values(event_id=event_id, item_id=item_id, name=name))


async def effect_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(effects.c.item_id, func.count()).group_by(effects.c.item_id))
    return {str(item_id): int(count) for item_id, count in rows}
