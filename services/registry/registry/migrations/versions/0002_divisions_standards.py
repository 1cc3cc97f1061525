"""division tree and poverty standards

Revision ID: registry_0002
Revises: registry_0001
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import CHAR

revision = "registry_0002"
down_revision = "registry_0001"
branch_labels = None
depends_on = None

NATIONAL = "000000000000"
SEED_BY = "system:seed"

# National poverty line, yuan per person per year, current prices. domain.md §3 gives 2,855 (2015) and
# "about 4,000" (2020); the years between are the commonly published national figures (2,952 for 2016
# and 2017, 2,995 for 2018, 3,218 for 2019). They are defaults: provinces and counties override them.
POVERTY_LINE = {2015: 2855, 2016: 2952, 2017: 2952, 2018: 2995, 2019: 3218, 2020: 4000}
# Monitoring line for the prevention of return to poverty (domain.md §4): about 1.5x the poverty line,
# 6,000 yuan in 2021; 2022 keeps the national 6,000 (provinces adjust yearly through POST /standards).
MONITORING_LINE = {2021: 6000, 2022: 6000}


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "divisions",
        sa.Column("code", CHAR(12), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("level", sa.SmallInteger, nullable=False),
        sa.Column("parent_code", CHAR(12)),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
        sa.Column("placeholder", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("quirk", sa.Text),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name="ck_divisions_level"),
    )
    op.create_index("ix_divisions_parent_code_code", "divisions", ["parent_code", "code"])
    op.create_index(
        "ix_divisions_name_trgm",
        "divisions",
        ["name"],
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )

    standards = op.create_table(
        "standards",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("year", sa.SmallInteger, nullable=False),
        sa.Column("region", CHAR(12), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('poverty_line', 'monitoring_line')", name="ck_standards_kind"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="ck_standards_year"),
        sa.CheckConstraint("amount > 0", name="ck_standards_amount"),
    )
    op.create_index("ix_standards_lookup", "standards", ["kind", "region", "year", "id"])
    assert standards is not None
    seeds = [
        {
            "kind": "poverty_line",
            "year": year,
            "region": NATIONAL,
            "amount": amount,
            "set_by": SEED_BY,
            "reason": "national default (domain.md §3: 2,855 in 2015, about 4,000 in 2020; "
            "years between: commonly published national figures)",
            "valid_from": dt.date(year, 1, 1),
        }
        for year, amount in POVERTY_LINE.items()
    ] + [
        {
            "kind": "monitoring_line",
            "year": year,
            "region": NATIONAL,
            "amount": amount,
            "set_by": SEED_BY,
            "reason": "national default (domain.md §4: about 1.5x the poverty line, 6,000 in 2021)",
            "valid_from": dt.date(year, 1, 1),
        }
        for year, amount in MONITORING_LINE.items()
    ]
    op.bulk_insert(standards, seeds)


def downgrade() -> None:
    op.drop_table("standards")
    op.drop_table("divisions")
