"""idempotency_keys: the admin API's writes take an Idempotency-Key, as the services' commands do

A provisioning script whose connection dropped after a client was created got 409 on its retry, and the
client's secret, shown once, was lost for good. The key row is written in the admin change's own
transaction (fupin_kit.idempotency); the gateway keeps each key only as an HMAC under its own secret
and its answers sealed under the key and that secret (admin/idempotent.py), so this table gives no
secret or password away.

Revision ID: gateway_0008
Revises: gateway_0007
"""

from alembic import op

from fupin_kit.idempotency import TABLE_SQL

revision = "gateway_0008"
down_revision = "gateway_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(TABLE_SQL)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS idempotency_keys")
