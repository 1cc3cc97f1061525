"""infra tables and the sample aggregate

Revision ID: 0001
Revises:
"""

from alembic import op

from fupin_kit.migrations import create_infra_tables, drop_infra_tables
from fupin_kit.sample.models import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_infra_tables(op)
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
    drop_infra_tables(op)
