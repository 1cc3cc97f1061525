"""bulk imports of 建档立卡 files: imports, their households' positions and per-row problems

Revision ID: registry_0004
Revises: registry_0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "registry_0004"
down_revision = "registry_0003"
branch_labels = None
depends_on = None

LIVE = "status IN ('received', 'validating', 'applying', 'accepted')"


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("duplicate_of", UUID(as_uuid=True)),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_tier", sa.String(20), nullable=False),
        sa.Column("actor_division", sa.String(12), nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("households_read", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("households_accepted", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("households_rejected", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("members_accepted", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("rows_rejected", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    # Same bytes twice: the second upload finds the first through this index (and races are settled by it).
    op.create_index(
        "uq_imports_live_sha256", "imports", ["sha256"], unique=True, postgresql_where=sa.text(LIVE)
    )
    op.create_index("ix_imports_actor_division", "imports", ["actor_division", "created_at"])

    op.create_table(
        "import_households",
        sa.Column(
            "import_id", UUID(as_uuid=True), sa.ForeignKey("imports.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("household_key", sa.Text, nullable=False),
        sa.Column("first_row", sa.Integer, nullable=False),
        sa.Column("last_row", sa.Integer, nullable=False),
        sa.Column("household_id", UUID(as_uuid=True)),
        sa.PrimaryKeyConstraint("import_id", "first_row", name="pk_import_households"),
    )
    op.create_table(
        "import_problems",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column(
            "import_id", UUID(as_uuid=True), sa.ForeignKey("imports.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("row_no", sa.Integer, nullable=False),
        sa.Column("household_key", sa.Text, nullable=False),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_import_problems_import_row", "import_problems", ["import_id", "row_no"])


def downgrade() -> None:
    op.drop_table("import_problems")
    op.drop_table("import_households")
    op.drop_table("imports")
