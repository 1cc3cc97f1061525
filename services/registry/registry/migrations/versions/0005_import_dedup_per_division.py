"""an import's dedup by content is per importer division: another jurisdiction's upload of the same bytes
must not be answered with (and so learn of) an import it may not see

Revision ID: registry_0005
Revises: registry_0004
"""

from alembic import op
from sqlalchemy import text

revision = "registry_0005"
down_revision = "registry_0004"
branch_labels = None
depends_on = None

LIVE = "status IN ('received', 'validating', 'applying', 'accepted')"


def upgrade() -> None:
    op.drop_index("uq_imports_live_sha256", table_name="imports")
    op.create_index(
        "uq_imports_live_sha256",
        "imports",
        ["sha256", "actor_division"],
        unique=True,
        postgresql_where=text(LIVE),
    )


def downgrade() -> None:
    op.drop_index("uq_imports_live_sha256", table_name="imports")
    op.create_index("uq_imports_live_sha256", "imports", ["sha256"], unique=True, postgresql_where=text(LIVE))
