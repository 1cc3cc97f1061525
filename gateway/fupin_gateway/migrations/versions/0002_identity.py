"""identities: people, departmental clients, third-party evaluators

Revision ID: gateway_0002
Revises: gateway_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "gateway_0002"
down_revision = "gateway_0001"
branch_labels = None
depends_on = None

TIER_CHECK = "tier IN ('nation', 'province', 'city', 'county', 'township', 'village')"
DIVISION_CHECK = "division ~ '^[0-9]{12}$'"


def _common(prefix: str) -> list[sa.schema.SchemaItem]:
    """Columns and checks every account table shares: jurisdiction, roles, state and bookkeeping."""
    return [
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("roles", postgresql.ARRAY(sa.String(64)), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(TIER_CHECK, name=f"ck_{prefix}_tier"),
        sa.CheckConstraint(DIVISION_CHECK, name=f"ck_{prefix}_division"),
    ]


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column(
            "id", postgresql.UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")
        ),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column(
            "password_changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        *_common("people"),
    )
    # The admin listing's predicate: division BETWEEN lo AND hi, keyset on the name.
    op.create_index("ix_people_division", "people", ["division", "username"])
    # The disabled-subject cache reloads this set every few seconds.
    op.create_index("ix_people_disabled", "people", ["username"], postgresql_where=sa.text("disabled"))

    op.create_table(
        "clients",
        sa.Column(
            "id", postgresql.UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")
        ),
        sa.Column("client_id", sa.String(64), nullable=False, unique=True),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(64)), nullable=False, server_default=sa.text("'{}'")),
        *_common("clients"),
    )
    op.create_index("ix_clients_division", "clients", ["division", "client_id"])
    op.create_index("ix_clients_disabled", "clients", ["client_id"], postgresql_where=sa.text("disabled"))

    op.create_table(
        "evaluators",
        sa.Column(
            "id", postgresql.UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")
        ),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        *_common("evaluators"),
        sa.CheckConstraint("valid_until > valid_from", name="ck_evaluators_window"),
    )
    op.create_index("ix_evaluators_division", "evaluators", ["division", "username"])
    op.create_index("ix_evaluators_valid_until", "evaluators", ["valid_until"])


def downgrade() -> None:
    op.drop_table("evaluators")
    op.drop_table("clients")
    op.drop_table("people")
