"""audit_log search indexes: GET /admin/audit reads the chain newest first by actor, subject prefix, the
admin's subtree and time

The table grows by a row per request, so without them each search of a county's discipline office would
read the whole chain. Built CONCURRENTLY, outside the migration's transaction (alembic's autocommit_block),
so a running gateway keeps appending while they are built on a large table: a plain CREATE INDEX would
hold off every write of the access audit (and every admin change, which appends in its own transaction)
for the whole build.

- (actor, seq), (subject text_pattern_ops, seq): an account's rows, a path prefix's (LIKE 'prefix%'), in
  seq order.
- (division, seq): a village's rows in seq order, a township's range.
- (left(division, 6), seq): a county's subtree in seq order on one range; a range over (division, seq)
  comes back in division order and would be sorted whole. Province and city admins' rows are most of
  the chain, which the primary key read backwards serves.
- (at): since/until. A BRIN index was tried first (a few pages for millions of rows) but the planner,
  which does not know that seq follows time, then read the primary key backwards through every newer row
  (193 ms for an hour ten days back in a million rows); over a B-tree it reads the window.

A failed concurrent build leaves an INVALID index behind that IF NOT EXISTS would keep: drop it
(DROP INDEX CONCURRENTLY ix_…) and run the migration again.

Revision ID: gateway_0009
Revises: gateway_0008
"""

from alembic import op

revision = "gateway_0009"
down_revision = "gateway_0008"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_audit_log_actor_seq": "(actor, seq)",
    "ix_audit_log_subject_seq": "(subject text_pattern_ops, seq)",
    "ix_audit_log_division_seq": "(division, seq)",
    "ix_audit_log_county_seq": "(left(division, 6), seq)",
    "ix_audit_log_at": "(at)",
}


def upgrade() -> None:
    with op.get_context().autocommit_block():
        for name, definition in INDEXES.items():
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON audit_log {definition}")


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for name in INDEXES:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
