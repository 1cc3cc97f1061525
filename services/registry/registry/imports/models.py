"""Tables of bulk imports: one row per uploaded file, where each household sits in the file, and the
problems found. Staging tables are per-import temporary tables (see repository.py), not declared here."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from registry.models import metadata

# An import that is still running or was applied blocks a second import of the same bytes by the same
# division; an upload finds earlier ones only inside its uploader's subtree (never another jurisdiction's).
LIVE_STATUSES = ("received", "validating", "applying", "accepted")
LIVE_SHA_INDEX = "uq_imports_live_sha256"

imports = Table(
    "imports",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("filename", String(300), nullable=False),
    Column("format", String(8), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    # received | validating | applying | accepted | rejected | failed | duplicate-of
    Column("status", String(20), nullable=False),
    Column("duplicate_of", UUID(as_uuid=True)),
    Column("actor", String(200), nullable=False),
    Column("actor_tier", String(20), nullable=False),
    # The importer's division: who may see the import (its subtree's callers) and what it may touch.
    Column("actor_division", String(12), nullable=False),
    Column("rows_read", Integer, nullable=False, server_default=text("0")),
    Column("households_read", Integer, nullable=False, server_default=text("0")),
    Column("households_accepted", Integer, nullable=False, server_default=text("0")),
    Column("households_rejected", Integer, nullable=False, server_default=text("0")),
    Column("members_accepted", Integer, nullable=False, server_default=text("0")),
    Column("rows_rejected", Integer, nullable=False, server_default=text("0")),
    Column("error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Heartbeat: a running import touches it at every chunk; a stale one was cut short by a restart.
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
)
Index(
    LIVE_SHA_INDEX,
    imports.c.sha256,
    imports.c.actor_division,
    unique=True,
    postgresql_where=imports.c.status.in_(LIVE_STATUSES),
)
Index("ix_imports_actor_division", imports.c.actor_division, imports.c.created_at)

import_households = Table(
    "import_households",
    metadata,
    Column("import_id", UUID(as_uuid=True), ForeignKey("imports.id", ondelete="CASCADE"), nullable=False),
    Column("household_key", Text, nullable=False),
    Column("first_row", Integer, nullable=False),
    Column("last_row", Integer, nullable=False),
    Column("household_id", UUID(as_uuid=True)),
    PrimaryKeyConstraint("import_id", "first_row", name="pk_import_households"),
)

import_problems = Table(
    "import_problems",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("import_id", UUID(as_uuid=True), ForeignKey("imports.id", ondelete="CASCADE"), nullable=False),
    Column("row_no", Integer, nullable=False),
    Column("household_key", Text, nullable=False),
    Column("field", String(60), nullable=False),
    Column("reason", Text, nullable=False),
)
Index("ix_import_problems_import_row", import_problems.c.import_id, import_problems.c.row_no)
