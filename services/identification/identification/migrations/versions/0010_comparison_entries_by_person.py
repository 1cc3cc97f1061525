"""comparison entries indexed by person, for the resolved-finding check of each new list

Revision ID: identification_0010
Revises: identification_0009

A department's list pushed again no longer reopens a hit the county resolved on the same evidence: each
new entry is compared with the entry behind the case's resolved hits on that person, looked up by person
and push. 0002 creates its tables from the models as they stand, so on a fresh database the index may
already exist: IF NOT EXISTS keeps this revision correct both ways.
"""

from alembic import op

revision = "identification_0010"
down_revision = "identification_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_comparison_entries_person ON comparison_entries (person_index, push_id)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_comparison_entries_person")
