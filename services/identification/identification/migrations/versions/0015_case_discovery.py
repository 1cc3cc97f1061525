"""a monitoring case holds how its household came to notice (`discovery`), so every event of the case can
carry it, not only the open event (the feeds above the county withhold every step of a warning a
department's list opened)

Revision ID: identification_0015
Revises: identification_0014

0002 creates its tables from the models as they stand, so on a fresh database the column may already
exist: ADD COLUMN IF NOT EXISTS keeps this revision correct both ways.

The cases opened before this revision take the channel from their open step's history detail: `discovery`,
recorded there by a cadre's opening and, since 2026-11-28, by a push's; a warning a push opened before that
names only `source: department_push` there (as it always has), which is the same channel. Identification and
exit cases hold none.
"""

from alembic import op

revision = "identification_0015"
down_revision = "identification_0014"
branch_labels = None
depends_on = None

# Module level so that a test can run it on cases written without the column being set.
BACKFILL = """
    UPDATE cases AS c
    SET discovery = coalesce(
        h.detail->>'discovery',
        CASE WHEN h.detail->>'source' = 'department_push' THEN 'department_push' END
    )
    FROM case_history AS h
    WHERE h.case_id = c.id AND h.action = 'open' AND c.kind = 'monitoring' AND c.discovery IS NULL
"""


def upgrade() -> None:
    op.execute("ALTER TABLE cases ADD COLUMN IF NOT EXISTS discovery varchar(40)")
    op.execute(BACKFILL)


def downgrade() -> None:
    op.execute("ALTER TABLE cases DROP COLUMN IF EXISTS discovery")
