"""household_members: an index on the blind index of deceased members, so registering a person recorded as
deceased is refused by one index probe (single creates and member joins) or one set-based check (imports).

The uniqueness index covers only active members (a person who moved or married out may join another
household); a death is final, so the registration paths look the person up among the deceased too. Not
made part of a unique index: files written before this check may already hold a deceased person active
elsewhere, which a unique index would refuse to build over.

Revision ID: registry_0007
Revises: registry_0006
"""

from alembic import op
from sqlalchemy import text

revision = "registry_0007"
down_revision = "registry_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_household_members_deceased_person",
        "household_members",
        ["person_index"],
        postgresql_where=text("status = 'deceased'"),
    )


def downgrade() -> None:
    op.drop_index("ix_household_members_deceased_person", table_name="household_members")
