"""outbox, inbox and audit tables

Revision ID: funds_0001
Revises:
"""

from alembic import op

from fupin_kit.migrations import create_infra_tables, drop_infra_tables

revision = "funds_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_infra_tables(op)


def downgrade() -> None:
    drop_infra_tables(op)
