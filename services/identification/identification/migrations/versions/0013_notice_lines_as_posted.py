"""each notice line keeps the head's masked name and ID and the household size as posted (QA9-L1): notices
and announcements were rendered from the read model's household as it is now, so a member change after
posting rewrote what had been publicly posted

Revision ID: identification_0013
Revises: identification_0012

0002 creates its tables from the models as they stand, so on a fresh database the columns may already
exist: ADD COLUMN IF NOT EXISTS keeps this revision correct both ways.

Lines posted before this revision are backfilled from the read model's household as it is when the
migration runs. That is the best available value, not necessarily the posted one: the values of the
posting time were not kept anywhere. A line whose case or household is not in the read model gets the
read model's own defaults ('' and 0), as a household event without them leaves them there; they are the
columns' defaults too. Every path that puts a case on a notice writes the line's values itself.
"""

from alembic import op

revision = "identification_0013"
down_revision = "identification_0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE notice_cases "
        "ADD COLUMN IF NOT EXISTS head_name_masked varchar(60), "
        "ADD COLUMN IF NOT EXISTS head_id_masked varchar(24), "
        "ADD COLUMN IF NOT EXISTS member_count integer"
    )
    op.execute(
        "UPDATE notice_cases AS line SET head_name_masked = h.head_name_masked, "
        "head_id_masked = h.head_id_masked, member_count = h.member_count "
        "FROM cases AS c JOIN rm_households AS h ON h.household_id = c.household_id "
        "WHERE c.id = line.case_id AND line.head_name_masked IS NULL"
    )
    op.execute(
        "UPDATE notice_cases SET head_name_masked = coalesce(head_name_masked, ''), "
        "head_id_masked = coalesce(head_id_masked, ''), member_count = coalesce(member_count, 0) "
        "WHERE head_name_masked IS NULL OR head_id_masked IS NULL OR member_count IS NULL"
    )
    op.execute(
        "ALTER TABLE notice_cases "
        "ALTER COLUMN head_name_masked SET DEFAULT '', ALTER COLUMN head_name_masked SET NOT NULL, "
        "ALTER COLUMN head_id_masked SET DEFAULT '', ALTER COLUMN head_id_masked SET NOT NULL, "
        "ALTER COLUMN member_count SET DEFAULT 0, ALTER COLUMN member_count SET NOT NULL"
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE notice_cases DROP COLUMN IF EXISTS head_name_masked, "
        "DROP COLUMN IF EXISTS head_id_masked, DROP COLUMN IF EXISTS member_count"
    )
