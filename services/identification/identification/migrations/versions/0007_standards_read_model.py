"""the registry's standards (poverty and monitoring lines) as a read model, seeded with the national rows
the registry's own migrations insert without events; the dead monitoring_line_factor setting removed

Revision ID: identification_0007
Revises: identification_0006

The exit and monitoring checks used a local copy of the lines in region_settings (`poverty_line.<year>`,
`monitoring_line.<year>`, seeded only up to 2026, never carried forward, blind to a province's or
county's higher line in the registry). They now read rm_standards, fed by fupin.registry.standard.set.v1.
The national figures come from fupin_contracts.standards, the same place the registry's migrations take
them from. `monitoring_line_factor` was validated and seeded but never read: the monitoring line is the
registry's monitoring_line standard (from 2021 on, nationally 6,000), so the setting goes.

0002 creates its tables from the models as they stand, so on a fresh database the table may already
exist: CREATE TABLE IF NOT EXISTS keeps this revision correct both ways.
"""

import datetime as dt

from alembic import op
from sqlalchemy import text

from fupin_contracts import standards

revision = "identification_0007"
down_revision = "identification_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE IF NOT EXISTS rm_standards ("
        "seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        "standard_id bigint UNIQUE, "
        "kind varchar(32) NOT NULL, "
        "year integer NOT NULL, "
        "region varchar(12) NOT NULL, "
        "amount numeric(14, 2) NOT NULL, "
        "valid_from date NOT NULL, "
        "set_by varchar(200) NOT NULL, "
        "reason text NOT NULL, "
        "recorded_at timestamptz NOT NULL DEFAULT now())"
    )
    op.execute("CREATE INDEX IF NOT EXISTS ix_rm_standards_lookup ON rm_standards (kind, region, year)")
    bind = op.get_bind()
    for kind, year, amount, reason in standards.national_rows():
        bind.execute(
            text(
                "INSERT INTO rm_standards (kind, year, region, amount, valid_from, set_by, reason) "
                "SELECT CAST(:kind AS varchar), CAST(:year AS integer), CAST(:region AS varchar), "
                "CAST(:amount AS numeric), CAST(:valid_from AS date), :set_by, :reason "
                "WHERE NOT EXISTS (SELECT 1 FROM rm_standards WHERE kind = CAST(:kind AS varchar) "
                "AND year = CAST(:year AS integer) AND region = CAST(:region AS varchar) "
                "AND standard_id IS NULL)"
            ),
            {
                "kind": kind,
                "year": year,
                "region": standards.NATIONAL,
                "amount": amount,
                "valid_from": dt.date(year, 1, 1),
                "set_by": standards.SEED_BY,
                "reason": reason,
            },
        )
    op.execute("DELETE FROM region_settings WHERE key = 'monitoring_line_factor'")


def downgrade() -> None:
    op.execute(
        "INSERT INTO region_settings (division, key, value) VALUES ('000000000000', 'monitoring_line_factor', "
        "'1.5') ON CONFLICT DO NOTHING"
    )
    op.execute("DROP TABLE IF EXISTS rm_standards")
