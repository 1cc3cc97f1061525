"""household_history.discovery: how a household came to notice, on a change a monitoring case caused

The registry's `household.monitored` of a warning a department's pushed list opened carries the case's
`discovery`, and the feeds withhold it above the county. A county officer's later clear of that monitoring
by hand is caused by no case, so it named nothing and went up, telling the province of a monitoring whose
beginning it was never shown. The clear now names the discovery of the change that began the monitoring,
kept here. Changes recorded before this revision have none (NULL): their clears stay unmarked.

Revision ID: registry_0014
Revises: registry_0013
"""

import sqlalchemy as sa
from alembic import op

revision = "registry_0014"
down_revision = "registry_0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, no default: PostgreSQL adds it without rewriting the table.
    op.add_column("household_history", sa.Column("discovery", sa.String(40), nullable=True))


def downgrade() -> None:
    op.drop_column("household_history", "discovery")
