"""the national monitoring line for 2020 in the read model of the registry's standards, as registry_0013
seeds it into the registry (without an event): monitoring began in 2020 (domain.md §4), and a 2020
warning found no monitoring line in force and was refused

Revision ID: identification_0012
Revises: identification_0011
"""

import datetime as dt

from alembic import op
from sqlalchemy import text

from fupin_contracts import standards

revision = "identification_0012"
down_revision = "identification_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    year, amount, reason = standards.MONITORING_LINE_2020
    # identification_0007 seeds every national row on a fresh database, this one included.
    op.get_bind().execute(
        text(
            "INSERT INTO rm_standards (kind, year, region, amount, valid_from, set_by, reason) "
            "SELECT 'monitoring_line', CAST(:year AS integer), CAST(:region AS varchar), "
            "CAST(:amount AS numeric), CAST(:valid_from AS date), :set_by, :reason "
            "WHERE NOT EXISTS (SELECT 1 FROM rm_standards WHERE kind = 'monitoring_line' "
            "AND year = CAST(:year AS integer) AND region = CAST(:region AS varchar))"
        ),
        {
            "year": year,
            "region": standards.NATIONAL,
            "amount": amount,
            "valid_from": dt.date(year, 1, 1),
            "set_by": standards.SEED_BY,
            "reason": reason,
        },
    )


def downgrade() -> None:
    op.get_bind().execute(
        text(
            "DELETE FROM rm_standards WHERE kind = 'monitoring_line' AND region = :region AND year = :year "
            "AND standard_id IS NULL"
        ),
        {"region": standards.NATIONAL, "year": standards.MONITORING_LINE_2020[0]},
    )
