"""indexes for the visit summaries and the coverage of a division

Revision ID: assistance_0006
Revises: assistance_0005

A tier's visit summary reads a subtree's visits of a period, and its coverage the subtree's plans: both by
a range of `division`, which the visits and plans had no index for (only per household). The visits' index
holds the household and kind as well, so the summary reads it alone.
"""

from alembic import op

revision = "assistance_0006"
down_revision = "assistance_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_visits_division_day ON visits (division, visited_on) INCLUDE (household_id, kind)"
    )
    op.execute("CREATE INDEX ix_household_plans_division ON household_plans (division, household_id)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_household_plans_division")
    op.execute("DROP INDEX ix_visits_division_day")
