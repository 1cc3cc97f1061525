"""the monitoring line per year; the head's masked resident ID on the registry read model

Revision ID: identification_0003
Revises: identification_0002

0002 creates its tables from the models as they stand, so on a fresh database the column may already
exist: ADD COLUMN IF NOT EXISTS keeps this revision correct both ways.
"""

import sqlalchemy as sa
from alembic import op

revision = "identification_0003"
down_revision = "identification_0002"
branch_labels = None
depends_on = None

# 防止返贫监测: the monitoring line (yuan per person per year), 6,000 from 2021; provinces adjust yearly
# by a row of their own (region_settings, most specific division wins).
MONITORING_LINES = {f"monitoring_line.{year}": "6000" for year in range(2021, 2027)}


def upgrade() -> None:
    op.execute(
        "ALTER TABLE rm_households ADD COLUMN IF NOT EXISTS head_id_masked varchar(24) NOT NULL DEFAULT ''"
    )
    settings = sa.table("region_settings", sa.column("division"), sa.column("key"), sa.column("value"))
    op.bulk_insert(
        settings,
        [{"division": "000000000000", "key": key, "value": value} for key, value in MONITORING_LINES.items()],
    )


def downgrade() -> None:
    op.execute("DELETE FROM region_settings WHERE division = '000000000000' AND key LIKE 'monitoring_line.%'")
    op.execute("ALTER TABLE rm_households DROP COLUMN IF EXISTS head_id_masked")
