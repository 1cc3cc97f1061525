"""registry households read model, helper assignments, village teams, idempotency keys

Revision ID: assistance_0002
Revises: assistance_0001

The tables are created from the models' definitions as they stand at this revision (as identification's
0002 does); later changes to assistance/models.py must come with their own revision (ALTER ...), never by
editing this one.
"""

from alembic import op

from assistance.models import metadata

revision = "assistance_0002"
down_revision = "assistance_0001"
branch_labels = None
depends_on = None

TABLES = ("village_teams", "helper_assignments", "rm_households", "idempotency_keys")


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=[metadata.tables[name] for name in TABLES])


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=[metadata.tables[name] for name in TABLES])
