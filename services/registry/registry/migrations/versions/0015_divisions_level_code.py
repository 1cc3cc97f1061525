"""divisions (level, code): a search for a name most divisions carry stops at its first page

The division search answers higher levels first, then by code (`ORDER BY level, code LIMIT n`). For a name
found in a third of the tree (委员会, 村民委员会, 社区) the trigram index hands over every match, some
200,000 rows, to be sorted for one page: 55–60 ms of the database per search across the nation, which the
public search (no token, the gateway's anonymous rate) let any caller repeat. In this order the planner reads
matching rows until the page is full: 3–6 ms, measured on the national tree. A rare name still takes the
trigram index.

Revision ID: registry_0015
Revises: registry_0014
"""

from alembic import op

revision = "registry_0015"
down_revision = "registry_0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_divisions_level_code", "divisions", ["level", "code"])


def downgrade() -> None:
    op.drop_index("ix_divisions_level_code", table_name="divisions")
