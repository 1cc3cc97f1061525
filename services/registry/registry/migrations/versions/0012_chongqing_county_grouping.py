"""divisions: 重庆's city-level 县 (500200000000) is flagged as a placeholder, like its sibling 市辖区

The row groups the municipality's counties, as 市辖区 (500100000000) groups its districts; the loader
flagged only the name 市辖区, so the place a household.created.v1 event carries named a city called 县.
The loader now flags 县 at city level (data/README.md decision 4); a database loaded before is corrected
here.

Revision ID: registry_0012
Revises: registry_0011
"""

from alembic import op

revision = "registry_0012"
down_revision = "registry_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE divisions SET placeholder = true WHERE level = 2 AND name = '县'")


def downgrade() -> None:
    op.execute("UPDATE divisions SET placeholder = false WHERE level = 2 AND name = '县'")
