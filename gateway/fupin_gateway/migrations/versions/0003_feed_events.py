"""feed store: every domain event once, for the tier pull and SSE APIs

Revision ID: gateway_0003
Revises: gateway_0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "gateway_0003"
down_revision = "gateway_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_events",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), primary_key=True),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("division", sa.CHAR(12), nullable=False),
        sa.Column("type", sa.String(160), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("aggregate_key", sa.String(128), nullable=False),
        sa.Column("body", postgresql.JSONB(), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_feed_events_event_id"),
        sa.CheckConstraint("division ~ '^[0-9]{12}$'", name="ck_feed_events_division"),
    )
    # Matches the jurisdiction predicate: division BETWEEN lo AND hi AND seq > :after ORDER BY seq.
    op.create_index("ix_feed_events_division_seq", "feed_events", ["division", "seq"])


def downgrade() -> None:
    op.drop_index("ix_feed_events_division_seq", table_name="feed_events")
    op.drop_table("feed_events")
