"""a statistical grouping holds no quota and no region setting (QA10-Q-2, verifier NEW-2): rows written on
one before the rule are removed

Revision ID: identification_0014
Revises: identification_0013

Quotas and region settings pass over the nine city-level groupings
(fupin_kit.divisions.CITY_GROUPINGS) and refuse to be set there; rows written on one earlier were read by
nothing any more but still answered a GET. The quota adjustments (the history of who set what) are kept.
"""

from alembic import op

from fupin_kit.divisions import CITY_GROUPINGS

revision = "identification_0014"
down_revision = "identification_0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    codes = ", ".join(f"'{code}'" for code in sorted(CITY_GROUPINGS))
    op.execute(f"DELETE FROM quotas WHERE division IN ({codes})")
    op.execute(f"DELETE FROM region_settings WHERE division IN ({codes})")


def downgrade() -> None:
    """Nothing to restore: the rows were in force nowhere."""
