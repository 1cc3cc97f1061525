"""the registration year of a registered household is the year it was registered, not its application's

Revision ID: identification_0005
Revises: identification_0004

The read model used to stamp `registered_year` with the year the application named, and applications
could name any past year, so a household registered this year could look registered earlier and exit
this year. A household still registered (or returned) has had no status change since its registration,
so `status_changed_at` is when the read model saw it registered: that year, in China, is taken when it is
later than the stored one (never earlier, so a correct year is never loosened).
"""

from alembic import op

revision = "identification_0005"
down_revision = "identification_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE rm_households
        SET registered_year = extract(year FROM status_changed_at AT TIME ZONE 'Asia/Shanghai')::int
        WHERE status IN ('registered', 'returned')
          AND (registered_year IS NULL
               OR registered_year < extract(year FROM status_changed_at AT TIME ZONE 'Asia/Shanghai')::int)
        """
    )


def downgrade() -> None:
    pass  # the earlier years were wrong; there is nothing to restore
