"""Tables owned by the assistance service.

Every table that holds a village-level fact carries the village code in `division`, so every jurisdiction
predicate (`division BETWEEN lo AND hi`) is an index range scan. An assignment or a team is never deleted or
updated in place but to end it (`ended_on`, `end_reason`): the history is the rows.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from fupin_kit import idempotency

metadata = MetaData()

idempotency_keys = idempotency.table(metadata)

# ---- the registry read model (from fupin.registry.events.v1) --------------------------------------------

rm_households = Table(
    "rm_households",
    metadata,
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Column("division", String(12), nullable=False),
    Column("status", String(20), nullable=False),
    # Masked as identification keeps it (张**): a list of a county's households shows it at every tier.
    Column("head_name_masked", String(60), nullable=False, server_default=text("''")),
    Column("member_count", Integer, nullable=False, server_default=text("0")),
    # The registry's version of the household as its last household.* event carrying one said (a created
    # household is version 1); a status event older than what is held changes nothing.
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The lists page by (division, household_id) within a subtree.
    Index("ix_rm_households_division_id", "division", "household_id"),
)

# ---- helpers (帮扶责任人) ------------------------------------------------------------------------------------

helper_assignments = Table(
    "helper_assignments",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("division", String(12), nullable=False),
    Column("name", String(60), nullable=False),
    Column("unit", String(100), nullable=False),
    Column("unit_tier", String(10), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("started_on", Date, nullable=False),
    # Why it replaced the helper before it (none for a household's first helper).
    Column("reason", Text),
    Column("assigned_by", String(200), nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("ended_on", Date),
    Column("end_reason", Text),
    Column("ended_by", String(200)),
    Column("ended_at", DateTime(timezone=True)),
    Index("ix_helper_assignments_household", "household_id", "started_on"),
    # One current helper per household: a second concurrent assignment fails here rather than both standing.
    Index(
        "uq_helper_assignments_current",
        "household_id",
        unique=True,
        postgresql_where=text("ended_on IS NULL"),
    ),
    Index(
        "ix_helper_assignments_current_division",
        "division",
        "id",
        postgresql_where=text("ended_on IS NULL"),
    ),
)

# ---- resident teams (驻村工作队) --------------------------------------------------------------------------

village_teams = Table(
    "village_teams",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("division", String(12), nullable=False),
    # {name, unit, phone}
    Column("first_secretary", JSONB, nullable=False),
    # [{name, unit, phone}], 0 to 10
    Column("members", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("sent_by", String(10), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("reason", Text),
    Column("formed_by", String(200), nullable=False),
    Column("formed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("ended_on", Date),
    Column("end_reason", Text),
    Column("ended_by", String(200)),
    Column("ended_at", DateTime(timezone=True)),
    Index("ix_village_teams_division", "division", "started_on"),
    Index("uq_village_teams_current", "division", unique=True, postgresql_where=text("ended_on IS NULL")),
)
