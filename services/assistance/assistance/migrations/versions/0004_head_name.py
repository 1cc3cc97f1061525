"""rm_households.head_name: the head's name as the registry's events give it, no longer masked when kept

The list of households without a helper showed every head masked (钱**) to the county's and township's
officers who must close that gap, so they could not tell the households apart. The name is now kept as the
registry's events carry it and masked only for readers above the county. Rows kept before this revision
hold the masked name until the household's next member event names its head.

Revision ID: assistance_0004
Revises: assistance_0003
"""

from alembic import op

revision = "assistance_0004"
down_revision = "assistance_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("rm_households", "head_name_masked", new_column_name="head_name")


def downgrade() -> None:
    op.alter_column("rm_households", "head_name", new_column_name="head_name_masked")
