"""All SQL the relay runs against the outbox table."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import any_, bindparam, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.infra_tables import outbox


@dataclass(frozen=True)
class PendingEvent:
    id: uuid.UUID
    seq: int
    topic: str
    key: str
    payload: dict[str, Any]
    headers: dict[str, str]


async def claim_unpublished(session: AsyncSession, limit: int) -> list[PendingEvent]:
    # SKIP LOCKED lets a second relay (during a handover) pass over rows this one holds; seq order keeps
    # each aggregate's events in the order they were committed within this batch.
    stmt = (
        select(
            outbox.c.id,
            outbox.c.seq,
            outbox.c.topic,
            outbox.c.aggregateid,
            outbox.c.payload,
            outbox.c.headers,
        )
        .where(outbox.c.published_at.is_(None))
        .order_by(outbox.c.seq)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(stmt)
    # Plain tuples unpacked positionally: attribute access on each Row costs more than the event itself.
    return [
        PendingEvent(id=id_, seq=seq, topic=topic, key=key, payload=payload, headers=headers or {})
        for id_, seq, topic, key, payload, headers in result.tuples()
    ]


@dataclass(frozen=True, slots=True)
class OutgoingEvent:
    """A row as the relay sends it: the payload as the JSON text PostgreSQL stores (sent as is, never
    parsed and re-encoded in Python), the CloudEvents routing attributes its headers carry, and the trace
    context captured with the row, as JSON text (rows written by one request share it verbatim)."""

    id: uuid.UUID
    seq: int
    topic: str
    key: str
    payload: str
    ce_id: str
    ce_type: str
    ce_source: str
    ce_subject: str
    ce_division: str
    trace_context: str


# Claim and mark in one statement: the oldest unpublished rows (seq order, SKIP LOCKED so a second relay
# during a handover passes over them) are locked and stamped published_at inside the caller's transaction,
# which commits only after every send is acknowledged (unmark_failed first takes back the rows whose send
# failed). Nothing is published until that commit; a crash before it rolls the stamp back. The stamp is
# now(), the transaction's start, exactly as a separate UPDATE in the same transaction would set it.
# The ->> extractions give what str(payload.get(...)) gave, computed in PostgreSQL rather than by parsing
# the payload in Python.
_CLAIM_FOR_PUBLISH = text(
    """
    WITH claimed AS (
        SELECT id FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT :limit FOR UPDATE SKIP LOCKED
    )
    UPDATE outbox AS o SET published_at = now()
    FROM claimed WHERE o.id = claimed.id
    RETURNING o.id, o.seq, o.topic, o.aggregateid, o.payload::text,
        COALESCE(o.payload->>'id', o.id::text), COALESCE(o.payload->>'type', ''),
        COALESCE(o.payload->>'source', ''), COALESCE(o.payload->>'subject', ''),
        COALESCE(o.payload->>'division', ''), o.headers::text
    """
)


async def claim_for_publish(session: AsyncSession, limit: int) -> list[OutgoingEvent]:
    """Lock up to `limit` unpublished rows and mark them published in the caller's transaction; in seq
    order (RETURNING has none of its own)."""
    result = await session.execute(_CLAIM_FOR_PUBLISH, {"limit": limit})
    events = [OutgoingEvent(*row) for row in result.tuples()]
    events.sort(key=lambda event: event.seq)
    return events


async def unmark_failed(session: AsyncSession, ids: list[uuid.UUID], error: str) -> None:
    """Rows claimed by claim_for_publish whose send failed: unpublished again, with the attempt counted."""
    if ids:
        await session.execute(
            update(outbox)
            .where(_one_of(ids))
            .values(published_at=None, attempts=outbox.c.attempts + 1, last_error=error[:2000])
        )


def _one_of(ids: list[uuid.UUID]) -> Any:
    # `id = ANY($1)` with one array parameter: one statement text (prepared once) for any batch size,
    # instead of `IN ($1, …, $n)` rendered and planned afresh for each size.
    return outbox.c.id == any_(bindparam("ids", ids, type_=ARRAY(outbox.c.id.type)))


async def mark_published(session: AsyncSession, ids: list[uuid.UUID]) -> None:
    if ids:
        await session.execute(update(outbox).where(_one_of(ids)).values(published_at=func.now()))


async def mark_failed(session: AsyncSession, ids: list[uuid.UUID], error: str) -> None:
    if ids:
        await session.execute(
            update(outbox).where(_one_of(ids)).values(attempts=outbox.c.attempts + 1, last_error=error[:2000])
        )


async def count_unpublished(session: AsyncSession) -> int:
    result = await session.execute(
        select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    )
    return int(result.scalar_one())


async def purge_published_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(
        delete(outbox).where(outbox.c.published_at.is_not(None), outbox.c.published_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def republish_since(session: AsyncSession, since: datetime) -> int:
    """Recovery after a broker lost its data: queue again every retained event created since `since`."""
    result = await session.execute(
        update(outbox).where(outbox.c.created_at >= since).values(published_at=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
