"""All SQL of the tier feeds: the feed store insert and the jurisdiction-scoped reads."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, not_, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from fupin_gateway.feeds.policy import TierPolicy
from fupin_gateway.feeds.tables import FEED_CHANNEL, feed_events
from fupin_kit.envelope import Envelope

# Serialises feed-store inserts across gateway replicas for the rest of the transaction. Without it two
# replicas could commit seq 11 before seq 10, and a reader resuming at `after=11` would never see 10.
# Distinct from the relay's session lock key (0x46555049).
FEED_INSERT_LOCK_KEY = 0x46454544  # "FEED"


@dataclass(frozen=True)
class FeedRow:
    seq: int
    event_id: uuid.UUID
    division: str
    type: str
    time: dt.datetime
    body: dict[str, Any]


async def insert_event(session: AsyncSession, event: Envelope) -> int | None:
    """Store `event` once and give its feed seq; None when its id is already stored (a redelivery or a
    relay resend)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_INSERT_LOCK_KEY})
    stmt = (
        insert(feed_events)
        .values(
            event_id=event.id,
            division=event.division,
            type=event.type,
            time=event.time,
            aggregate_key=event.aggregate_id[:128],
            body=event.model_dump(mode="json", exclude_none=True),
        )
        .on_conflict_do_nothing(index_elements=[feed_events.c.event_id])
        .returning(feed_events.c.seq)
    )
    inserted: int | None = (await session.execute(stmt)).scalar_one_or_none()
    if inserted is None:
        return None
    # Wakes the SSE streams of every gateway process; delivered only on commit. The payload is the
    # division, so a stream wakes only for events inside its own subtree.
    await session.execute(select(func.pg_notify(FEED_CHANNEL, event.division)))
    return inserted


async def last_seq(session: AsyncSession) -> int:
    """The feed's end: the highest seq stored (0 when empty). Seqs are one sequence over the whole store,
    not per province or subtree, so this bounds every caller's cursor; the primary key answers it with one
    index lookup, without scanning the table."""
    return int(await session.scalar(select(func.coalesce(func.max(feed_events.c.seq), 0))) or 0)


def _in_feed(subtree: tuple[str, str], policy: TierPolicy) -> list[ColumnElement[bool]]:
    """The events of one caller's feed: its subtree, of the types its tier receives, without those its
    tier withholds by how they came about (a monitoring warning a department's list opened)."""
    lo, hi = subtree
    conditions: list[ColumnElement[bool]] = [
        feed_events.c.division.between(lo, hi),
        or_(*(feed_events.c.type.like(pattern, escape="\\") for pattern in policy.receive_like)),
    ]
    if policy.exclude_like:
        conditions.append(
            not_(or_(*(feed_events.c.type.like(pattern, escape="\\") for pattern in policy.exclude_like)))
        )
    if policy.exclude_discovered_by:
        discovery = feed_events.c.body["data"]["discovery"].astext
        conditions.append(or_(discovery.is_(None), discovery.not_in(sorted(policy.exclude_discovered_by))))
    return conditions


async def last_seq_in_feed(session: AsyncSession, *, subtree: tuple[str, str], policy: TierPolicy) -> int:
    """The seq of the last event of one caller's feed (0 when it has none): what a refused cursor is told,
    rather than the store's end, which counts every province's events."""
    stmt = (
        select(feed_events.c.seq)
        .where(and_(*_in_feed(subtree, policy)))
        .order_by(feed_events.c.seq.desc())
        .limit(1)
    )
    return int(await session.scalar(stmt) or 0)


async def cursor_before_last(
    session: AsyncSession, *, subtree: tuple[str, str], policy: TierPolicy, count: int
) -> int:
    """The cursor after which one caller's feed holds its last `count` events: the seq just before the
    count-th last of them, 0 when the feed holds fewer. A reader starting now sees the recent past, not
    everything since the platform began."""
    stmt = (
        select(feed_events.c.seq)
        .where(and_(*_in_feed(subtree, policy)))
        .order_by(feed_events.c.seq.desc())
        .offset(count - 1)
        .limit(1)
    )
    nth_last = await session.scalar(stmt)
    return 0 if nth_last is None else int(nth_last) - 1


async def events_after(
    session: AsyncSession,
    *,
    subtree: tuple[str, str],
    after: int,
    limit: int,
    policy: TierPolicy,
) -> list[FeedRow]:
    """Events in the subtree with seq > after, in seq order, that the caller's tier receives."""
    conditions = [*_in_feed(subtree, policy), feed_events.c.seq > after]
    stmt = (
        select(
            feed_events.c.seq,
            feed_events.c.event_id,
            feed_events.c.division,
            feed_events.c.type,
            feed_events.c.time,
            feed_events.c.body,
        )
        .where(and_(*conditions))
        .order_by(feed_events.c.seq)
        .limit(limit)
    )
    result = await session.execute(stmt)
    return [
        FeedRow(
            seq=row.seq,
            event_id=row.event_id,
            division=row.division,
            type=row.type,
            time=row.time,
            body=row.body,
        )
        for row in result
    ]
