"""micro-credit: the read model's members, loans and their repayments

Revision ID: assistance_0005
Revises: assistance_0004

Explicit DDL (not the models' create_all): this revision must create the same tables whatever
assistance/models.py later says. Households known before it have no members until the registry's events
are replayed (or a member event of the household arrives): a loan to one of them is refused
borrower-not-member until then.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "assistance_0005"
down_revision = "assistance_0004"
branch_labels = None
depends_on = None


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "rm_members",
        sa.Column("member_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("household_id", UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_index("ix_rm_members_household", "rm_members", ["household_id"])
    op.create_table(
        "loans",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("household_id", UUID(as_uuid=True), nullable=False),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("borrower_member_id", UUID(as_uuid=True), nullable=False),
        sa.Column("borrower_name", sa.String(60), nullable=False),
        sa.Column("borrower_birth_date", sa.Date, nullable=False),
        sa.Column("bank", sa.String(100), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("term_months", sa.Integer, nullable=False),
        sa.Column("rate", sa.Numeric(6, 3), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("disbursed_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("interest_subsidy", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("balance", sa.Numeric(14, 2), nullable=False),
        sa.Column("compensated_amount", sa.Numeric(14, 2)),
        sa.Column("compensation_reason", sa.Text),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.CheckConstraint("amount > 0 AND amount <= 50000", name="ck_loans_amount"),
        sa.CheckConstraint("term_months BETWEEN 1 AND 36", name="ck_loans_term"),
        sa.CheckConstraint("balance >= 0 AND balance <= amount", name="ck_loans_balance"),
    )
    op.create_index("ix_loans_household", "loans", ["household_id", "disbursed_on"])
    op.create_index("ix_loans_division_id", "loans", ["division", "id"])
    op.create_index(
        "uq_loans_outstanding",
        "loans",
        ["household_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('disbursed', 'repaying', 'overdue')"),
    )
    op.create_table(
        "loan_repayments",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("loan_id", UUID(as_uuid=True), nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("principal", sa.Numeric(14, 2), nullable=False),
        sa.Column("interest", sa.Numeric(14, 2), nullable=False),
        sa.Column("balance_after", sa.Numeric(14, 2), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.CheckConstraint("principal >= 0 AND interest >= 0", name="ck_loan_repayments_amounts"),
    )
    op.create_index("ix_loan_repayments_loan", "loan_repayments", ["loan_id", "paid_on"])


def downgrade() -> None:
    op.drop_table("loan_repayments")
    op.drop_table("loans")
    op.drop_table("rm_members")
