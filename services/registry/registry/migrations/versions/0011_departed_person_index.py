"""household_members: an index on the blind index of members who left, so a join is checked against the day
the person left their previous household by one index probe

A person who moved or married out may join another household (or come back), but only from the day they
left: a join dated earlier put them in two households at once, and per-capita income counted them in both.

Revision ID: registry_0011
Revises: registry_0010
"""

from alembic import op
from sqlalchemy import text

revision = "registry_0011"
down_revision = "registry_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_household_members_departed_person",
        "household_members",
        ["person_index", "left_on"],
        postgresql_where=text("status IN ('married_out', 'moved_out')"),
    )


def downgrade() -> None:
    op.drop_index("ix_household_members_departed_person", table_name="household_members")
