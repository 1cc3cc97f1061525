"""a project notice's floor of ten days moves from the table to the service

Revision ID: funds_0007
Revises: funds_0006

The service refuses a notice under ten days unless the deployment allows short notices (the embedded
platform for development and demonstration, fupin_kit.short_notices), where `fupin demo` posts one that
comes down the day it goes up; the table keeps only what is never meant anywhere, a notice ending before
it begins.
"""

from alembic import op

revision = "funds_0007"
down_revision = "funds_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("ck_project_notices_ten_days", "project_notices", type_="check")
    op.create_check_constraint("ck_project_notices_ordered", "project_notices", "ends_on >= starts_on")


def downgrade() -> None:
    op.drop_constraint("ck_project_notices_ordered", "project_notices", type_="check")
    op.create_check_constraint("ck_project_notices_ten_days", "project_notices", "ends_on >= starts_on + 10")
