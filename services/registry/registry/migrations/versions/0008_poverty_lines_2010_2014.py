"""standards: the national poverty line for 2010–2014, the years of the first 建档立卡 registration (2014,
domain.md §8). Without them a 2014 lookup found nothing (404).

domain.md §3 gives one figure for these years: 2,300 yuan per person per year at 2010 prices, which is the
2010 line. It gives no current-price figure for 2011–2014; like registry_0002 for the years between 2015 and
2020, those are the commonly published national current-price figures (2,536; 2,625; 2,736; 2,800 — the
2,300 line indexed to each year's prices). Each row's reason says which source it is. They are defaults:
provinces and counties override them (upward only) through POST /standards.

Revision ID: registry_0008
Revises: registry_0007
"""

import datetime as dt

from alembic import op
from sqlalchemy import text

from fupin_contracts import standards as shared

revision = "registry_0008"
down_revision = "registry_0007"
branch_labels = None
depends_on = None

# The figures live in one place shared with identification's read model of the standards.
NATIONAL = shared.NATIONAL
SEED_BY = shared.SEED_BY
POVERTY_LINE = shared.POVERTY_LINE_2010_2014


def upgrade() -> None:
    for year, (amount, reason) in POVERTY_LINE.items():
        # Only where the nation has no row for the year: never a second national row beside one.
        op.get_bind().execute(
            text(
                "INSERT INTO standards (kind, year, region, amount, set_by, reason, valid_from) "
                "SELECT 'poverty_line', :year, :region, :amount, :set_by, :reason, :valid_from "
                "WHERE NOT EXISTS (SELECT 1 FROM standards WHERE kind = 'poverty_line' AND year = :year "
                "AND region = :region)"
            ),
            {
                "year": year,
                "region": NATIONAL,
                "amount": amount,
                "set_by": SEED_BY,
                "reason": reason,
                "valid_from": dt.date(year, 1, 1),
            },
        )


def downgrade() -> None:
    op.get_bind().execute(
        text(
            "DELETE FROM standards WHERE kind = 'poverty_line' AND region = :region AND set_by = :set_by "
            "AND year BETWEEN 2010 AND 2014"
        ),
        {"region": NATIONAL, "set_by": SEED_BY},
    )
