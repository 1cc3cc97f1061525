"""`fupin republish`: queue retained outbox rows again, after a broker lost its data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from fupin_kit.infra_tables import OUTBOX_CHANNEL
from fupin_kit.outbox_repository import republish_since
from fupin_kit.settings import KitSettings


async def republish(server_url: str, service: str, since: datetime) -> int:
    """Mark the service's outbox rows created since `since` unpublished, and wake its relay."""
    settings = KitSettings(database_url=server_url, database_name_override=None)
    engine = create_async_engine(settings.service_database_url(service))
    try:
        async with AsyncSession(engine) as session, session.begin():
            count = await republish_since(session, since)
            await session.execute(select(func.pg_notify(OUTBOX_CHANNEL, "")))
        return count
    finally:
        await engine.dispose()
