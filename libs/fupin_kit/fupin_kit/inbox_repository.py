"""All SQL the consumer loop runs against the inbox table."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.infra_tables import inbox


async def claim(session: AsyncSession, consumer_group: str, event_id: uuid.UUID, event_type: str) -> bool:
    """Record the event as handled by this group; False means it was handled before (a duplicate).
    Runs in the same transaction as the handler's effect, so the two commit or vanish together."""
    stmt = (
        insert(inbox)
        .values(consumer_group=consumer_group, event_id=event_id, event_type=event_type)
        .on_conflict_do_nothing(index_elements=["consumer_group", "event_id"])
        .returning(inbox.c.event_id)
    )
    result = await session.execute(stmt)
    return result.first() is not None


async def record_dead(
    session: AsyncSession, consumer_group: str, event_id: uuid.UUID, event_type: str, error: str
) -> None:
    stmt = (
        insert(inbox)
        .values(
            consumer_group=consumer_group,
            event_id=event_id,
            event_type=event_type,
            status="dead",
            error=error[:2000],
        )
        .on_conflict_do_nothing(index_elements=["consumer_group", "event_id"])
    )
    await session.execute(stmt)
