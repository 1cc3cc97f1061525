"""an inspection records the division of the officer who opened it

Revision ID: funds_0008
Revises: funds_0007

Only officers of the opening division (or of a tier above that contains it) add items to an inspection
and close it: the inspected county must not write its province's or city's inspection. Inspections opened
before this revision never recorded who opened them beyond the subject, so they are given the province of
the county inspected: the tier nobody below can impersonate (the county's own officers lose the pen on an
inspection they may have opened, which a province officer can still close), never the county itself,
which would hand the inspected county its superior's inspection.
"""

import sqlalchemy as sa
from alembic import op

revision = "funds_0008"
down_revision = "funds_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inspections", sa.Column("opened_division", sa.String(12)))
    op.execute("UPDATE inspections SET opened_division = substr(division, 1, 2) || '0000000000'")
    op.alter_column("inspections", "opened_division", nullable=False)


def downgrade() -> None:
    op.drop_column("inspections", "opened_division")
