"""standards: the national monitoring line for 2020, the year monitoring began (domain.md §4)

Without it a monitoring warning of 2020 found no monitoring line in force and was refused, and a
regional 2020 monitoring line was held only to the poverty line. The figure is 1.5× the 2020 poverty line
(4,000), the 6,000 domain.md gives for 2021 (fupin_contracts.standards.MONITORING_LINE_2020).

Revision ID: registry_0013
Revises: registry_0012
"""

import datetime as dt

from alembic import op
from sqlalchemy import text

from fupin_contracts import standards as shared

revision = "registry_0013"
down_revision = "registry_0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    year, amount, reason = shared.MONITORING_LINE_2020
    # Only where the nation has no row for the year: never a second national row beside one.
    op.get_bind().execute(
        text(
            "INSERT INTO standards (kind, year, region, amount, set_by, reason, valid_from) "
            "SELECT 'monitoring_line', :year, :region, :amount, :set_by, :reason, :valid_from "
            "WHERE NOT EXISTS (SELECT 1 FROM standards WHERE kind = 'monitoring_line' AND year = :year "
            "AND region = :region)"
        ),
        {
            "year": year,
            "region": shared.NATIONAL,
            "amount": amount,
            "set_by": shared.SEED_BY,
            "reason": reason,
            "valid_from": dt.date(year, 1, 1),
        },
    )


def downgrade() -> None:
    op.get_bind().execute(
        text(
            "DELETE FROM standards WHERE kind = 'monitoring_line' AND region = :region AND set_by = :set_by "
            "AND year = :year"
        ),
        {"region": shared.NATIONAL, "set_by": shared.SEED_BY, "year": shared.MONITORING_LINE_2020[0]},
    )
