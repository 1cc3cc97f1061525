"""the names of the registry's divisions, carried by its household.created events, for public notices

Revision ID: identification_0009
Revises: identification_0008

Public notice documents named their village by its 12-digit code: identification holds no division tree,
and asking the registry while a notice is written would be a synchronous call on a write path. The
registry's household.created.v1 now carries the household's place (its village and every division above
it), kept here by the read model consumer.
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
        "CREATE TABLE IF NOT EXISTS rm_division_names ("
        "code varchar(12) PRIMARY KEY, "
        "name text NOT NULL, "
        "parent_code varchar(12), "
        "placeholder boolean NOT NULL DEFAULT false, "
        "named_at timestamptz NOT NULL, "
        "updated_at timestamptz NOT NULL DEFAULT now())"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS rm_division_names")
