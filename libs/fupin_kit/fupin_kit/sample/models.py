from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Identity, MetaData, String, Table, func
from sqlalchemy.dialects.postgresql import UUID

metadata = MetaData()

items = Table(
    "sample_items",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("division", String(12), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

effects = Table(
    "sample_effects",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("event_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("item_id", UUID(as_uuid=True), nullable=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
