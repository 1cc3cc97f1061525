"""Tables owned by the assistance service.

Every table that holds a village-level fact carries the village code in `division`, so every jurisdiction
predicate (`division BETWEEN lo AND hi`) is an index range scan. An assignment or a team is never deleted or
updated in place but to end it (`ended_on`, `end_reason`): the history is the rows.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
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
    # As the registry's events name the head: the county's and township's officers closing the gap of
    # households without a helper must tell them apart; readers above the county are shown it masked
    # (access.head_name_as_shown), as the feeds show them names. Rows kept before migration assistance_0004
    # hold the masked name (张**) until the household's next member event.
    Column("head_name", String(60), nullable=False, server_default=text("''")),
    Column("member_count", Integer, nullable=False, server_default=text("0")),
    # The registry's version of the household as its last household.* event carrying one said (a created
    # household is version 1); a status event older than what is held changes nothing.
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The lists page by (division, household_id) within a subtree.
    Index("ix_rm_households_division_id", "division", "household_id"),
)

# The members of each household, as the registry's events name them: a loan's borrower must be an active
# member. The events carry no birth date (a masked resident ID hides exactly those digits), so none is kept.
rm_members = Table(
    "rm_members",
    metadata,
    Column("member_id", UUID(as_uuid=True), primary_key=True),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("name", String(60), nullable=False),
    Column("status", String(20), nullable=False),
    Index("ix_rm_members_household", "household_id"),
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

# ---- plans (脱贫计划) -------------------------------------------------------------------------------------

# One plan per household: its versions are rows, the highest the current; a replaced version is kept.
household_plans = Table(
    "household_plans",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("division", String(12), nullable=False),
    Column("version", Integer, nullable=False),
    Column("target_year", Integer, nullable=False),
    Column("summary", Text, nullable=False),
    # Why this version replaced the one before (none for the first).
    Column("reason", Text),
    Column("set_by", String(200), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Two concurrent first plans (or replacements) of one household cannot both stand.
    Index("uq_household_plans_version", "household_id", "version", unique=True),
    # A division's coverage reads its households' plans by a range of codes.
    Index("ix_household_plans_division", "division", "household_id"),
)

# ---- measures (帮扶措施) -----------------------------------------------------------------------------------

measures = Table(
    "measures",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("division", String(12), nullable=False),
    Column("type", String(20), nullable=False),
    Column("description", Text, nullable=False),
    Column("scale", String(100)),
    Column("amount", Numeric(14, 2)),
    Column("deadline", Date, nullable=False),
    Column("status", String(12), nullable=False),
    Column("result", Text),
    Column("cancel_reason", Text),
    # The day (China) it was completed: a sign-off cannot be dated before it.
    Column("completed_on", Date),
    Column("signed_by", String(60)),
    Column("signed_on", Date),
    Column("signed_recorded_by", String(200)),
    Column("added_by", String(200), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("amount IS NULL OR amount >= 0", name="ck_measures_amount"),
    Index("ix_measures_household", "household_id", "added_at"),
    Index("ix_measures_division_id", "division", "id"),
)

# ---- visit log (走访记录) ----------------------------------------------------------------------------------

visits = Table(
    "visits",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("division", String(12), nullable=False),
    Column("visited_on", Date, nullable=False),
    Column("visitor", String(60), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("notes", Text, nullable=False),
    Column("findings", Text),
    Column("logged_by", String(200), nullable=False),
    Column("logged_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # A household's log reads newest first by (visited_on, id).
    Index("ix_visits_household", "household_id", "visited_on", "id"),
    # A tier's summary reads its subtree's visits of a period from this index alone.
    Index(
        "ix_visits_division_day",
        "division",
        "visited_on",
        postgresql_include=["household_id", "kind"],
    ),
)

# ---- micro-credit (扶贫小额信贷) ----------------------------------------------------------------------------

# Still owed: one such loan per household at a time.
OUTSTANDING_LOAN_STATUSES = ("disbursed", "repaying", "overdue")

loans = Table(
    "loans",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("division", String(12), nullable=False),
    Column("borrower_member_id", UUID(as_uuid=True), nullable=False),
    Column("borrower_name", String(60), nullable=False),
    # As the bank's loan contract gives it (the registry's events carry none): the borrower's age is
    # checked from it. Shown at the county and below only, never published.
    Column("borrower_birth_date", Date, nullable=False),
    Column("bank", String(100), nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("term_months", Integer, nullable=False),
    Column("rate", Numeric(6, 3), nullable=False),
    Column("purpose", String(20), nullable=False),
    Column("disbursed_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("interest_subsidy", Boolean, nullable=False),
    Column("status", String(12), nullable=False),
    Column("balance", Numeric(14, 2), nullable=False),
    Column("compensated_amount", Numeric(14, 2)),
    Column("compensation_reason", Text),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("amount > 0 AND amount <= 50000", name="ck_loans_amount"),
    CheckConstraint("term_months BETWEEN 1 AND 36", name="ck_loans_term"),
    CheckConstraint("balance >= 0 AND balance <= amount", name="ck_loans_balance"),
    Index("ix_loans_household", "household_id", "disbursed_on"),
    Index("ix_loans_division_id", "division", "id"),
    # Two concurrent loans of one household cannot both stand.
    Index(
        "uq_loans_outstanding",
        "household_id",
        unique=True,
        postgresql_where=text("status IN ('disbursed', 'repaying', 'overdue')"),
    ),
)

loan_repayments = Table(
    "loan_repayments",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("loan_id", UUID(as_uuid=True), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("principal", Numeric(14, 2), nullable=False),
    Column("interest", Numeric(14, 2), nullable=False),
    Column("balance_after", Numeric(14, 2), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("principal >= 0 AND interest >= 0", name="ck_loan_repayments_amounts"),
    Index("ix_loan_repayments_loan", "loan_id", "paid_on"),
)

# ---- the county project library, as funds' project events describe it (fupin.funds.events.v1) ------------

rm_projects = Table(
    "rm_projects",
    metadata,
    Column("project_id", UUID(as_uuid=True), primary_key=True),
    # Known from project.proposed; a step event arriving first (a replay cut short) leaves them empty.
    Column("name", Text),
    Column("category", String(30)),
    # The village or township where it is carried out, and the county whose library holds it.
    Column("division", String(12), nullable=False),
    Column("county", String(12), nullable=False),
    Column("year", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("rejected", Boolean, nullable=False, server_default=text("false")),
    # The step's place in the lifecycle (readmodel.projects.sequence_of): an event of a lower sequence than
    # the one held is older and changes nothing. funds' events carry no version of their own.
    Column("sequence", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_rm_projects_division", "division", "project_id"),
)

# ---- industry projects' links to households (带贫/利益联结机制) ---------------------------------------------

# A link of a project to a household; its terms are versions (project_link_versions), the highest current.
# Ended, never deleted; the same household may be linked again after an ending (a new link).
project_links = Table(
    "project_links",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("project_id", UUID(as_uuid=True), nullable=False),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    # The household's village: the jurisdiction of every read.
    Column("division", String(12), nullable=False),
    Column("version", Integer, nullable=False),
    Column("mechanism", String(20), nullable=False),
    Column("expected_yearly", Numeric(14, 2), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("note", Text),
    Column("made_by", String(200), nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("ended_on", Date),
    Column("end_reason", Text),
    Column("ended_by", String(200)),
    CheckConstraint("expected_yearly >= 0", name="ck_project_links_expected"),
    Index("ix_project_links_project", "project_id", "division", "id"),
    Index("ix_project_links_household", "household_id"),
    Index("ix_project_links_division_id", "division", "id"),
    # One current link per project and household: two concurrent first links cannot both stand.
    Index(
        "uq_project_links_current",
        "project_id",
        "household_id",
        unique=True,
        postgresql_where=text("ended_on IS NULL"),
    ),
)

project_link_versions = Table(
    "project_link_versions",
    metadata,
    Column("link_id", UUID(as_uuid=True), nullable=False),
    Column("version", Integer, nullable=False),
    Column("mechanism", String(20), nullable=False),
    Column("expected_yearly", Numeric(14, 2), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("note", Text),
    # Why this version replaced the one before (none for the first).
    Column("reason", Text),
    Column("set_by", String(200), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("uq_project_link_versions", "link_id", "version", unique=True),
)

# What a linked household actually received in a year; a correction is a new version, the replaced kept.
link_benefits = Table(
    "link_benefits",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("link_id", UUID(as_uuid=True), nullable=False),
    Column("year", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("reason", Text),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("amount >= 0", name="ck_link_benefits_amount"),
    Index("uq_link_benefits_version", "link_id", "year", "version", unique=True),
)
