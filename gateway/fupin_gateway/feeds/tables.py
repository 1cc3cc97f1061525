"""The feed store: every domain event once, in the order the feed router committed it."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, String, Table, UniqueConstraint
from sqlalchemy.dialects.postgresql import CHAR, JSONB, UUID

from fupin_gateway.models import metadata

feed_events = Table(
    "feed_events",
    metadata,
    # The resume cursor of the pull and SSE APIs. Rows are inserted under a transaction-level advisory
    # lock (see repository.insert_event), so seq order is also commit order and `seq > :after` never
    # skips a row that commits late.
    Column("seq", BigInteger, Identity(always=True), primary_key=True),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("division", CHAR(12), nullable=False),
    Column("type", String(160), nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    # The Kafka key (aggregate id): what keeps one aggregate's events in order on the feed topics.
    Column("aggregate_key", String(128), nullable=False),
    # The full CloudEvents body, unmasked: masking depends on who reads, so it happens on the way out.
    Column("body", JSONB, nullable=False),
    UniqueConstraint("event_id", name="uq_feed_events_event_id"),
)
# The jurisdiction query: division BETWEEN lo AND hi AND seq > :after ORDER BY seq.
Index("ix_feed_events_division_seq", feed_events.c.division, feed_events.c.seq)

FEED_CHANNEL = "fupin_feed"
