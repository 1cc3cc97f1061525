"""Tables every service database carries: the outbox, the inbox and the audit chain.

The outbox follows Debezium's column layout (id, aggregatetype, aggregateid, type, payload) plus what the
relay needs. Each service's first migration creates these from this one definition.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

infra_metadata = MetaData()

outbox = Table(
    "outbox",
    infra_metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("seq", BigInteger, Identity(always=True), nullable=False, unique=True),
    Column("aggregatetype", String(64), nullable=False),
    Column("aggregateid", String(128), nullable=False),
    Column("type", String(160), nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("topic", String(200), nullable=False),
    Column("division", String(12), nullable=False),
    Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
)
# The relay's only query: unpublished rows in seq order.
Index("ix_outbox_unpublished", outbox.c.seq, postgresql_where=outbox.c.published_at.is_(None))
Index("ix_outbox_created_at", outbox.c.created_at)

inbox = Table(
    "inbox",
    infra_metadata,
    Column("consumer_group", String(160), nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("event_type", String(160), nullable=False),
    Column("status", String(16), nullable=False, server_default=text("'done'")),
    Column("error", Text),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("consumer_group", "event_id", name="pk_inbox"),
)

audit_log = Table(
    "audit_log",
    infra_metadata,
    Column("seq", BigInteger, Identity(always=True), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("actor", String(200), nullable=False),
    Column("action", String(120), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("division", String(12), nullable=False),
    Column("detail", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

OUTBOX_CHANNEL = "fupin_outbox"
