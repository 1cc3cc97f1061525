"""division tree and poverty standards

Revision ID: registry_0002
Revises: registry_0001
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import CHAR

from fupin_contracts import standards as shared

revision = "registry_0002"
down_revision = "registry_0001"
branch_labels = None
depends_on = None

# The national seed rows' figures live in one place shared with identification's read model of the
# standards (fupin_contracts.standards), so the two services start from the same lines.
NATIONAL = shared.NATIONAL
SEED_BY = shared.SEED_BY
POVERTY_LINE = shared.POVERTY_LINE
MONITORING_LINE = shared.MONITORING_LINE


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
            "reason": shared.POVERTY_LINE_REASON,
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
            "reason": shared.MONITORING_LINE_REASON,
            "valid_from": dt.date(year, 1, 1),
        }
        for year, amount in MONITORING_LINE.items()
    ]
    op.bulk_insert(standards, seeds)


def downgrade() -> None:
    op.drop_table("standards")
    op.drop_table("divisions")
