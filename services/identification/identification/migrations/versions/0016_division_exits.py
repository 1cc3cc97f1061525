"""poor villages and counties (贫困村/贫困县名单) and their exit procedures (贫困村退出, 贫困县摘帽), with the
third-party evaluations closed in the evaluation service that a county's exit is verified against

Revision ID: identification_0016
Revises: identification_0015

- poor_divisions: the designation list, one row per village or county; its status follows the procedures
  (designated → exiting while one is open → exited, back to designated when one is rejected or withdrawn).
- division_exits: one procedure, its indicator snapshot at the proposal, its notice and (a county's) the
  evaluation it was verified against; at most one open procedure per division (a partial unique index).
- division_exit_history: every step, who took it, when, from and to which state and why.
- rm_closed_evaluations: evaluation.closed events of the evaluation service (its read model here).
"""

from alembic import op

revision = "identification_0016"
down_revision = "identification_0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE poor_divisions (
            division varchar(12) PRIMARY KEY,
            id uuid NOT NULL UNIQUE,
            level varchar(10) NOT NULL CHECK (level IN ('village', 'county')),
            designated_year integer NOT NULL,
            basis text NOT NULL DEFAULT '',
            status varchar(20) NOT NULL DEFAULT 'designated'
                CHECK (status IN ('designated', 'exiting', 'exited')),
            exit_year integer,
            exit_id uuid,
            designated_by varchar(200) NOT NULL,
            designated_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX ix_poor_divisions_designated_at ON poor_divisions (designated_at DESC, id DESC)")
    op.execute(
        """
        CREATE TABLE division_exits (
            id uuid PRIMARY KEY,
            division varchar(12) NOT NULL REFERENCES poor_divisions (division),
            level varchar(10) NOT NULL CHECK (level IN ('village', 'county')),
            year integer NOT NULL,
            state varchar(30) NOT NULL,
            summary text NOT NULL,
            proposed_by varchar(200) NOT NULL,
            proposer_tier varchar(20) NOT NULL,
            indicators jsonb NOT NULL,
            notice_days numeric,
            notice_starts_at timestamptz,
            notice_ends_at timestamptz,
            evaluation_id uuid,
            evaluation jsonb,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        "CREATE UNIQUE INDEX ux_division_exits_open ON division_exits (division) "
        "WHERE state NOT IN ('exited', 'rejected', 'withdrawn')"
    )
    op.execute("CREATE INDEX ix_division_exits_division ON division_exits (division)")
    op.execute("CREATE INDEX ix_division_exits_created_at ON division_exits (created_at DESC, id DESC)")
    op.execute(
        """
        CREATE TABLE division_exit_history (
            seq bigserial PRIMARY KEY,
            exit_id uuid NOT NULL REFERENCES division_exits (id),
            action varchar(30) NOT NULL,
            from_state varchar(30),
            to_state varchar(30) NOT NULL,
            actor varchar(200) NOT NULL,
            actor_tier varchar(20) NOT NULL,
            reason text,
            detail jsonb NOT NULL DEFAULT '{}'::jsonb,
            at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_division_exit_history_exit ON division_exit_history (exit_id, seq)")
    op.execute(
        """
        CREATE TABLE rm_closed_evaluations (
            evaluation_id uuid PRIMARY KEY,
            division varchar(12) NOT NULL,
            year integer NOT NULL,
            verdict varchar(20) NOT NULL,
            passed boolean NOT NULL,
            rates jsonb NOT NULL,
            closed_at timestamptz NOT NULL,
            event_id varchar(100) NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX ix_rm_closed_evaluations_county ON rm_closed_evaluations (division, year)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS rm_closed_evaluations")
    op.execute("DROP TABLE IF EXISTS division_exit_history")
    op.execute("DROP TABLE IF EXISTS division_exits")
    op.execute("DROP TABLE IF EXISTS poor_divisions")
