"""idempotency_keys: the registry's commands take an Idempotency-Key, as identification's do

A retried PATCH or income PUT was applied twice (two versions, two history rows, two events), and a retried
create answered 409 instead of the id it created. The key row is written in the command's own transaction
(fupin_kit.idempotency), so it exists exactly when the command's effect does.

Revision ID: registry_0009
Revises: registry_0008
"""

from alembic import op

from fupin_kit.idempotency import TABLE_SQL

revision = "registry_0009"
down_revision = "registry_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(TABLE_SQL)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS idempotency_keys")
