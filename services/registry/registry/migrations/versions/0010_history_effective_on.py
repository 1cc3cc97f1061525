"""household_history.effective_on: the day a status decision recorded by hand was taken

A county records through POST /households/{id}/status-commands the decisions taken outside the platform,
the files of households registered before it existed first of all. The registration year the exit rule
reads was the year of that call: a household registered in 2015 and recorded in 2026 was "registered in
2026" and could not exit this year. The command now carries the decision's day (decided_on), kept here.

Revision ID: registry_0010
Revises: registry_0009
"""

from alembic import op

revision = "registry_0010"
down_revision = "registry_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE household_history ADD COLUMN IF NOT EXISTS effective_on date")


def downgrade() -> None:
    op.execute("ALTER TABLE household_history DROP COLUMN IF EXISTS effective_on")
