"""Tables owned by the identification service.

Every table that holds a case-level fact carries the case's village code in `division`, so every
jurisdiction predicate (`division BETWEEN lo AND hi`) is an index range scan. Resident IDs never appear in
clear: department pushes are reduced to HMAC blind indexes on arrival, and members' indexes come from the
registry's events.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from fupin_kit import idempotency

metadata = MetaData()
MONEY = Numeric(14, 2)

# ---- configuration, clock, idempotency ------------------------------------------------------------------

region_settings = Table(
    "region_settings",
    metadata,
    Column("division", String(12), nullable=False),
    Column("key", String(80), nullable=False),
    Column("value", Text, nullable=False),
    Column("updated_by", String(200), nullable=False, server_default=text("'migration'")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("division", "key", name="pk_region_settings"),
)

test_clock = Table(
    "test_clock",
    metadata,
    Column("id", Integer, primary_key=True),
    # Seconds added to the database's now(); only honoured when FUPIN_TEST_CLOCK=1.
    Column("offset_s", BigInteger, nullable=False, server_default=text("0")),
)

idempotency_keys = idempotency.table(metadata)

# ---- the registry read model (from fupin.registry.events.v1) --------------------------------------------

rm_households = Table(
    "rm_households",
    metadata,
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Column("division", String(12), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("head_name_masked", String(60), nullable=False, server_default=text("''")),
    # For the public notice: region and last digits only (e.g. 520102********1234), as the registry masks it.
    Column("head_id_masked", String(24), nullable=False, server_default=text("''")),
    Column("main_cause", String(20)),
    Column("other_causes", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("member_count", Integer, nullable=False, server_default=text("0")),
    Column("status_changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("registered_year", Integer),
)

rm_members = Table(
    "rm_members",
    metadata,
    Column("member_id", UUID(as_uuid=True), primary_key=True),
    Column("household_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("division", String(12), nullable=False),
    Column("person_index", LargeBinary),
    Column("status", String(20), nullable=False),
    Column("health", String(30), nullable=False),
    Column("labour_capacity", String(30), nullable=False),
)
Index("ix_rm_members_person_index", rm_members.c.person_index)

rm_incomes = Table(
    "rm_incomes",
    metadata,
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("year", Integer, nullable=False),
    Column("per_capita_net_income", MONEY, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("household_id", "year", name="pk_rm_incomes"),
)

# The registry's poverty and monitoring lines (standards with history), fed by its standard.set events and
# seeded with the national rows its migrations insert without events (fupin_contracts.standards). A
# seeded row has no standard_id: the registry's ids of its own seed rows are not known here.
rm_standards = Table(
    "rm_standards",
    metadata,
    Column("seq", BigInteger, Identity(always=True), primary_key=True),
    Column("standard_id", BigInteger, unique=True),
    Column("kind", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("region", String(12), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("set_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_rm_standards_lookup", rm_standards.c.kind, rm_standards.c.region, rm_standards.c.year)

# The names of the registry's divisions, as its household.created events carry them (the household's
# village and every division above it): public notice documents name their village and its township and
# county from them. Identification keeps no tree and asks no service for one (architecture.md §1); a
# village no event has named yet is shown by its code. `parent_code` is the tree's own link (东莞's
# townships hang off the city); `named_at` is the time of the registry event the names are from, so an
# older event delivered late never undoes a newer name.
rm_division_names = Table(
    "rm_division_names",
    metadata,
    Column("code", String(12), primary_key=True),
    Column("name", Text, nullable=False),
    Column("parent_code", String(12)),
    Column("placeholder", Boolean, nullable=False, server_default=text("false")),
    Column("named_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# ---- cases and their history ----------------------------------------------------------------------------

cases = Table(
    "cases",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("division", String(12), nullable=False),
    Column("year", Integer, nullable=False),
    Column("state", String(40), nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("authorisation", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("category", JSONB),
    # How a monitoring case's household came to notice (code list `discovery`), as it was opened: every
    # event of the case carries it, so the feeds above the county withhold each step of a warning a
    # department's list opened (identification_0015). None for identification and exit cases.
    Column("discovery", String(40)),
    Column("opened_by", String(200), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_cases_division_state", cases.c.division, cases.c.state)
Index("ix_cases_household", cases.c.household_id)
# One open procedure of a kind per household at a time.
Index(
    "uq_cases_active_household_kind",
    cases.c.household_id,
    cases.c.kind,
    unique=True,
    postgresql_where=cases.c.active,
)

case_history = Table(
    "case_history",
    metadata,
    Column("seq", BigInteger, Identity(always=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("division", String(12), nullable=False),
    Column("action", String(40), nullable=False),
    Column("from_state", String(40)),
    Column("to_state", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("actor_tier", String(20), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("detail", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("batch_id", UUID(as_uuid=True)),
)

# ---- quotas (规模控制) ---------------------------------------------------------------------------------

quotas = Table(
    "quotas",
    metadata,
    Column("division", String(12), nullable=False),
    Column("year", Integer, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("set_by", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("division", "year", name="pk_quotas"),
)

quota_adjustments = Table(
    "quota_adjustments",
    metadata,
    Column("seq", BigInteger, Identity(always=True), primary_key=True),
    Column("division", String(12), nullable=False),
    Column("year", Integer, nullable=False),
    Column("before", Integer),
    Column("after", Integer, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("actor_tier", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# ---- public notices and objections ----------------------------------------------------------------------

notices = Table(
    "notices",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("division", String(12), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("status", String(10), nullable=False),
    Column("opened_by", String(200), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
)
Index("ix_notices_division", notices.c.division)
Index("ix_notices_open_end", notices.c.ends_at, postgresql_where=notices.c.status == "open")

notice_cases = Table(
    "notice_cases",
    metadata,
    Column("notice_id", UUID(as_uuid=True), nullable=False),
    Column("case_id", UUID(as_uuid=True), nullable=False),
    Column("listed", Boolean, nullable=False, server_default=text("true")),
    # The household's line as it was posted (the head's masked name and ID, the household size), copied from
    # the read model when the case is put on the notice: a notice is archived as posted, and a member change
    # afterwards (a birth, a move, a new head) must not rewrite what was publicly posted. The defaults are
    # the read model's own (what it holds of a household an event gave none of).
    Column("head_name_masked", String(60), nullable=False, server_default=text("''")),
    Column("head_id_masked", String(24), nullable=False, server_default=text("''")),
    Column("member_count", Integer, nullable=False, server_default=text("0")),
    PrimaryKeyConstraint("notice_id", "case_id", name="pk_notice_cases"),
)

objections = Table(
    "objections",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("notice_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("case_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("division", String(12), nullable=False, index=True),
    Column("text", Text, nullable=False),
    # How to reach the objector, if they gave it: for the officers resolving the ticket, never published.
    Column("contact", String(100)),
    Column("submitted_by", String(200), nullable=False),
    Column("status", String(12), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("resolved_by", String(200)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolution", Text),
    # What the resolution did not do: a ticket upheld after its case had left the notice moves nothing.
    Column("note", Text),
)

# ---- batch decisions and spot-checks --------------------------------------------------------------------

batches = Table(
    "batches",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("action", String(40), nullable=False),
    Column("division", String(12), nullable=False, index=True),
    Column("seed", String(64), nullable=False),
    Column("rate", Numeric(5, 4), nullable=False),
    Column("status", String(10), nullable=False),
    Column("case_count", Integer, nullable=False),
    Column("sample_count", Integer, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(200)),
    Column("decided_at", DateTime(timezone=True)),
    # A draw nobody will decide, withdrawn by the deciding tier (status 'withdrawn'): who, when and why.
    Column("withdrawn_by", String(200)),
    Column("withdrawn_at", DateTime(timezone=True)),
    Column("withdrawal_reason", Text),
)

batch_items = Table(
    "batch_items",
    metadata,
    Column("batch_id", UUID(as_uuid=True), nullable=False),
    Column("case_id", UUID(as_uuid=True), nullable=False),
    Column("sampled", Boolean, nullable=False),
    Column("finding", JSONB),
    # Why the decision left a frozen case where it was (an open blocking comparison hit); NULL otherwise.
    Column("skip_reason", Text),
    PrimaryKeyConstraint("batch_id", "case_id", name="pk_batch_items"),
)

# ---- department comparison ------------------------------------------------------------------------------

comparison_pushes = Table(
    "comparison_pushes",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("department", String(100), nullable=False),
    Column("division", String(12), nullable=False),
    Column("pushed_by", String(200), nullable=False),
    Column("entry_count", Integer, nullable=False),
    Column("pushed_at", DateTime(timezone=True), nullable=False),
)

comparison_entries = Table(
    "comparison_entries",
    metadata,
    Column("push_id", UUID(as_uuid=True), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("person_index", LargeBinary, nullable=False),
    Column("amount", MONEY),
    Column("detail", Text),
    PrimaryKeyConstraint("push_id", "seq", name="pk_comparison_entries"),
)
# A new list's entry is compared with the entry behind each resolved hit on the same person
# (comparisons.repository.match_cases): found by person, then push.
Index("ix_comparison_entries_person", comparison_entries.c.person_index, comparison_entries.c.push_id)

comparison_hits = Table(
    "comparison_hits",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("push_id", UUID(as_uuid=True), nullable=False),
    Column("case_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("division", String(12), nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("effect", String(10), nullable=False),
    Column("reason", Text, nullable=False),
    Column("amount", MONEY),
    Column("status", String(12), nullable=False),
    Column("found_at", DateTime(timezone=True), nullable=False),
    Column("resolved_by", String(200)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolution", Text),
)
