"""the names of the divisions identification asked the registry about, for public notice documents (and to
know a quota's division exists without asking again)

Revision ID: identification_0009
Revises: identification_0008

0002 creates its tables from the models as they stand, so on a fresh database the table may already
exist: CREATE TABLE IF NOT EXISTS keeps this revision correct both ways.
"""

from alembic import op

revision = "identification_0009"
down_revision = "identification_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE IF NOT EXISTS division_names ("
        "code varchar(12) PRIMARY KEY, "
        "name text NOT NULL, "
        "level varchar(12) NOT NULL, "
        "place text NOT NULL, "
        "fetched_at timestamptz NOT NULL)"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS division_names")
