"""a closed third-party evaluation keeps how many sampled households were never surveyed and why
(evaluation.closed.v1's `unsurveyed_households` and `partial_reason`), so that a partial round does not
verify a county's exit

Revision ID: identification_0017
Revises: identification_0016

Both columns are NULL for an event that did not carry the fields: evaluation.closed.v1 has had them (as
optional fields) since before this read model existed, and the evaluation service sets
`unsurveyed_households` on every close, so only an event of an evaluation service older than the fields
leaves them NULL. NULL reads as "not reported" and counts as a complete survey (workflow.evaluation_passes);
no backfill is possible, the events held no such figure.
"""

from alembic import op

revision = "identification_0017"
down_revision = "identification_0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE rm_closed_evaluations ADD COLUMN IF NOT EXISTS unsurveyed_households integer, "
        "ADD COLUMN IF NOT EXISTS partial_reason text"
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE rm_closed_evaluations DROP COLUMN IF EXISTS partial_reason, "
        "DROP COLUMN IF EXISTS unsurveyed_households"
    )
