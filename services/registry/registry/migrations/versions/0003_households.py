"""households (建档立卡), members, yearly incomes and change history

Revision ID: registry_0003
Revises: registry_0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision = "registry_0003"
down_revision = "registry_0002"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)


def _timestamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "households",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("village_group", sa.String(60), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("head_name", sa.String(60), nullable=False),
        sa.Column("phone", sa.String(30)),
        sa.Column("bank_name", sa.String(100)),
        sa.Column("bank_account_cipher", sa.LargeBinary),
        sa.Column("bank_account_masked", sa.String(40)),
        sa.Column("identification_standard", sa.String(20), nullable=False),
        sa.Column("attribute", sa.String(20), nullable=False),
        sa.Column("main_cause", sa.String(20), nullable=False),
        sa.Column("other_causes", ARRAY(sa.String(20)), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("housing_area", sa.Numeric(8, 2)),
        sa.Column("housing_structure", sa.String(30)),
        sa.Column("housing_year_built", sa.Integer),
        sa.Column("housing_safety_grade", sa.String(1)),
        sa.Column("has_electricity", sa.Boolean),
        sa.Column("fuel", sa.String(20)),
        sa.Column("drinking_water", sa.String(20)),
        sa.Column("relocation", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("member_count", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("income_year", sa.Integer),
        sa.Column("per_capita_net_income", MONEY),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
        *_timestamps(),
        sa.CheckConstraint("cardinality(other_causes) <= 2", name="ck_households_other_causes"),
        sa.CheckConstraint("NOT (main_cause = ANY (other_causes))", name="ck_households_main_not_other"),
    )
    op.create_index("ix_households_division_id", "households", ["division", "id"])
    op.create_index("ix_households_division_status", "households", ["division", "status"])

    op.create_table(
        "household_members",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False),
        sa.Column("household_id", UUID(as_uuid=True), sa.ForeignKey("households.id"), nullable=False),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("id_kind", sa.String(30), nullable=False),
        sa.Column("id_cipher", sa.LargeBinary, nullable=False),
        sa.Column("id_masked", sa.String(30), nullable=False),
        sa.Column("person_index", sa.LargeBinary, nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("relation", sa.String(30), nullable=False),
        sa.Column("ethnicity", sa.String(2), nullable=False),
        sa.Column("education", sa.String(30)),
        sa.Column("schooling", sa.String(30)),
        sa.Column("health", sa.String(30), nullable=False),
        sa.Column("labour_capacity", sa.String(30), nullable=False),
        sa.Column("work_status", sa.String(30)),
        sa.Column("dibao", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("medical_insurance", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("pension_insurance", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("joined_on", sa.Date, nullable=False),
        sa.Column("joined_by", sa.String(30), nullable=False),
        sa.Column("left_on", sa.Date),
        sa.Column("left_by", sa.String(30)),
        *_timestamps(),
    )
    op.create_index("ix_household_members_household", "household_members", ["household_id", "seq"])
    # One person, one household: enforced by the database, so concurrent duplicates fail too.
    op.create_index(
        "uq_household_members_active_person",
        "household_members",
        ["person_index"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )

    op.create_table(
        "household_incomes",
        sa.Column("household_id", UUID(as_uuid=True), sa.ForeignKey("households.id"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("wage", MONEY, nullable=False),
        sa.Column("business", MONEY, nullable=False),
        sa.Column("transfer", MONEY, nullable=False),
        sa.Column("property", MONEY, nullable=False),
        sa.Column("production_costs", MONEY, nullable=False),
        sa.Column("net_income", MONEY, nullable=False),
        sa.Column("member_count", sa.Integer, nullable=False),
        sa.Column("per_capita_net_income", MONEY, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("household_id", "year", name="pk_household_incomes"),
    )

    op.create_table(
        "household_history",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("household_id", UUID(as_uuid=True), sa.ForeignKey("households.id"), nullable=False),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.clock_timestamp()),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_tier", sa.String(20), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("before", JSONB),
        sa.Column("after", JSONB, nullable=False),
    )
    op.create_index("ix_household_history_household_at", "household_history", ["household_id", "at"])


def downgrade() -> None:
    op.drop_table("household_history")
    op.drop_table("household_incomes")
    op.drop_index("uq_household_members_active_person", table_name="household_members")
    op.drop_table("household_members")
    op.drop_table("households")
