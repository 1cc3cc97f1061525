"""industry projects' links to households: the project read model, links, their versions and benefits

Revision ID: assistance_0007
Revises: assistance_0006

Explicit DDL (not the models' create_all): this revision must create the same tables whatever
assistance/models.py later says. Projects proposed before it are known once funds' events are replayed to
the consumer group `assistance` (`fupin republish funds --since …`).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "assistance_0007"
down_revision = "assistance_0006"
branch_labels = None
depends_on = None


def _now() -> sa.TextClause:
    return sa.text("now()")


def _projects() -> None:
    op.create_table(
        "rm_projects",
        sa.Column("project_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("category", sa.String(30)),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("county", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("rejected", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
    )
    op.create_index("ix_rm_projects_division", "rm_projects", ["division", "project_id"])


def _links() -> None:
    op.create_table(
        "project_links",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("project_id", UUID(as_uuid=True), nullable=False),
        sa.Column("household_id", UUID(as_uuid=True), nullable=False),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("mechanism", sa.String(20), nullable=False),
        sa.Column("expected_yearly", sa.Numeric(14, 2), nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("made_by", sa.String(200), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("ended_on", sa.Date),
        sa.Column("end_reason", sa.Text),
        sa.Column("ended_by", sa.String(200)),
        sa.CheckConstraint("expected_yearly >= 0", name="ck_project_links_expected"),
    )
    op.create_index("ix_project_links_project", "project_links", ["project_id", "division", "id"])
    op.create_index("ix_project_links_household", "project_links", ["household_id"])
    op.create_index("ix_project_links_division_id", "project_links", ["division", "id"])
    op.create_index(
        "uq_project_links_current",
        "project_links",
        ["project_id", "household_id"],
        unique=True,
        postgresql_where=sa.text("ended_on IS NULL"),
    )
    op.create_table(
        "project_link_versions",
        sa.Column("link_id", UUID(as_uuid=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("mechanism", sa.String(20), nullable=False),
        sa.Column("expected_yearly", sa.Numeric(14, 2), nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
    )
    op.create_index("uq_project_link_versions", "project_link_versions", ["link_id", "version"], unique=True)


def _benefits() -> None:
    op.create_table(
        "link_benefits",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("link_id", UUID(as_uuid=True), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.CheckConstraint("amount >= 0", name="ck_link_benefits_amount"),
    )
    op.create_index("uq_link_benefits_version", "link_benefits", ["link_id", "year", "version"], unique=True)


def upgrade() -> None:
    _projects()
    _links()
    _benefits()


def downgrade() -> None:
    op.drop_table("link_benefits")
    op.drop_table("project_link_versions")
    op.drop_table("project_links")
    op.drop_table("rm_projects")
