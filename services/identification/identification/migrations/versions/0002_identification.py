"""quotas, cases and history, notices, objections, batches, comparison, registry read model, settings

Revision ID: identification_0002
Revises: identification_0001

The tables are created from the models' definitions as they stand at this revision; later changes to
identification/models.py must come with their own revision (ALTER ...), never by editing this one.
"""

import sqlalchemy as sa
from alembic import op

from identification.models import metadata

revision = "identification_0002"
down_revision = "identification_0001"
branch_labels = None
depends_on = None

# Per-region defaults at the nation root; a province, county, ... row with the same key wins below it.
DEFAULTS: dict[str, str] = {
    "notice_days": "7",
    "exit_notice_days": "7",
    "objection_sla_days": "10",
    "township_spot_check_rate": "0.20",
    "county_spot_check_rate": "0.10",
    # Local copy of the national poverty line (yuan per person per year, current prices) until the
    # registry's standards are consumed as events; a province may set a higher line.
    "poverty_line.2015": "2855",
    "poverty_line.2016": "2952",
    "poverty_line.2017": "2952",
    "poverty_line.2018": "2995",
    "poverty_line.2019": "3218",
    "poverty_line.2020": "4000",
    "poverty_line.2021": "4000",
    "poverty_line.2022": "4000",
    "poverty_line.2023": "4000",
    "poverty_line.2024": "4000",
    "poverty_line.2025": "4000",
    "poverty_line.2026": "4000",
    "monitoring_line_factor": "1.5",
    "threshold.medical_self_paid": "10000",
    "threshold.education_fees": "10000",
    "risk_clearance_months": "6",
}


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind)
    settings = sa.table("region_settings", sa.column("division"), sa.column("key"), sa.column("value"))
    op.bulk_insert(
        settings,
        [{"division": "000000000000", "key": key, "value": value} for key, value in DEFAULTS.items()],
    )
    op.execute("INSERT INTO test_clock (id, offset_s) VALUES (1, 0)")


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
