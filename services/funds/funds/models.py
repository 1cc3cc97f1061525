"""Tables owned by the funds service.

A project carries the code of the village or township where it is carried out in `division`, so every
jurisdiction predicate (`division BETWEEN lo AND hi`) is an index range scan. A project is never deleted:
its status moves along the lifecycle (funds.workflow) and every step is a row of `project_history`. Its
public notice (公示) is a row of `project_notices`, kept after it ends so that it stays searchable.

The registry's households and members are read from its events (rm_households, rm_members: a read model
the payments' checks join). A payment (到户资金) is never deleted nor changed: the money left. Its
supervision findings are rows of `findings`, one per (payment, kind), whether raised when the payment was
recorded or by a later scan."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from fupin_kit import idempotency

metadata = MetaData()

idempotency_keys = idempotency.table(metadata)

projects = Table(
    "projects",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("division", String(12), nullable=False),
    Column("name", String(200), nullable=False),
    Column("category", String(20), nullable=False),
    Column("nature", String(20), nullable=False),
    Column("year", Integer, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("responsible_unit", String(100), nullable=False),
    Column("tasks", Text, nullable=False),
    Column("budget", Numeric(14, 2), nullable=False),
    # [{source, amount}], the amounts adding up to the budget.
    Column("financing", JSONB, nullable=False),
    Column("beneficiary_households", Integer, nullable=False),
    Column("beneficiary_people", Integer, nullable=False),
    # [household id, ...]: personal (who is helped), shown at the county and below only.
    Column("beneficiary_household_ids", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    # 绩效目标: [{indicator, target}], at least one.
    Column("performance_target", JSONB, nullable=False),
    Column("pro_poor_mechanism", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),
    # 验收: {accepted_on, result, inspectors, notes} of the acceptance that passed.
    Column("acceptance", JSONB),
    Column("reimbursed_amount", Numeric(14, 2)),
    Column("proposed_by", String(200), nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("budget >= 0", name="ck_projects_budget"),
    CheckConstraint("ends_on >= starts_on", name="ck_projects_schedule"),
    CheckConstraint(
        "reimbursed_amount IS NULL OR reimbursed_amount <= budget", name="ck_projects_reimbursed"
    ),
    # The lists page by (division, id) within a subtree.
    Index("ix_projects_division_id", "division", "id"),
)

project_history = Table(
    "project_history",
    metadata,
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("project_id", UUID(as_uuid=True), ForeignKey("projects.id"), nullable=False),
    Column("action", String(30), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("actor_tier", String(10), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # {reason, notes, acceptance, amount, notice: {starts_on, ends_on}} as the step had them.
    Column("detail", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Index("ix_project_history_project", "project_id", "seq"),
)

project_notices = Table(
    "project_notices",
    metadata,
    # One notice per project: the public board reads it by the project's id.
    Column("project_id", UUID(as_uuid=True), ForeignKey("projects.id"), primary_key=True),
    Column("division", String(12), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("posted_by", String(200), nullable=False),
    Column("posted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("ends_on >= starts_on", name="ck_project_notices_ordered"),
    Index("ix_project_notices_division_id", "division", "project_id"),
)

# ---- the registry's households and members (read model) ---------------------------------------------------

rm_households = Table(
    "rm_households",
    metadata,
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Column("division", String(12), nullable=False),
    Column("status", String(20), nullable=False),
    # As the registry's events name the head; shown masked above the county and on the public lists.
    Column("head_name", String(60), nullable=False, server_default=text("''")),
    # The registry's version as its last household.* event carrying one said (a created household is 1).
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_rm_households_division_id", "division", "household_id"),
)

rm_members = Table(
    "rm_members",
    metadata,
    Column("member_id", UUID(as_uuid=True), primary_key=True),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("relation", String(20), nullable=False),
    # active | left | deceased (the registry's member status).
    Column("status", String(20), nullable=False),
    Column("died_on", Date),
    # Hex HMAC blind index of the resident ID when the events carry one; never the number itself.
    Column("resident_id_index", String(64)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_rm_members_household", "household_id"),
)

# ---- payments to households (到户资金) and their supervision findings ----------------------------------------

# A payment to the household as a whole has no member: the unique key counts it under this nil id.
NO_MEMBER = "00000000-0000-0000-0000-000000000000"

payments = Table(
    "payments",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # The household's village (from the read model), so jurisdiction is an index range scan.
    Column("division", String(12), nullable=False),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True)),
    Column("project_id", UUID(as_uuid=True), ForeignKey("projects.id")),
    Column("benefit", String(30), nullable=False),
    Column("period", String(7), nullable=False),
    # 1 for the first payment of (household, member, benefit, period); a keyless second one is refused by
    # the unique index below (409 duplicate-benefit), a keyed one is recorded as the next and flagged.
    Column("ordinal", Integer, nullable=False, server_default=text("1")),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("standard", Numeric(14, 2), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("amount > 0", name="ck_payments_amount"),
    CheckConstraint("standard >= 0", name="ck_payments_standard"),
    CheckConstraint("ordinal >= 1", name="ck_payments_ordinal"),
    Index("ix_payments_division_id", "division", "id"),
    Index("ix_payments_project", "project_id"),
    Index(
        "uq_payments_benefit_period",
        "household_id",
        text(f"COALESCE(member_id, '{NO_MEMBER}'::uuid)"),
        "benefit",
        "period",
        "ordinal",
        unique=True,
    ),
)

allocations = Table(
    "allocations",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # The receiving division (a county-level division or above); the allocating one is `allocator`.
    Column("division", String(12), nullable=False),
    Column("allocator", String(12), nullable=False),
    Column("year", Integer, nullable=False),
    Column("source", String(20), nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    # 文号: the allocation document's number.
    Column("document_number", String(100), nullable=False),
    # The project categories the money may be spent on (code list `category`).
    Column("categories", ARRAY(String(20)), nullable=False),
    Column("allocated_on", Date, nullable=False),
    # The spending deadline: what is neither passed down nor spent after it is idle (资金滞留).
    Column("deadline", Date, nullable=False),
    Column("parent_id", UUID(as_uuid=True), ForeignKey("allocations.id")),
    Column("made_by", String(200), nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("amount > 0", name="ck_allocations_amount"),
    CheckConstraint("deadline >= allocated_on", name="ck_allocations_deadline"),
    CheckConstraint("cardinality(categories) >= 1", name="ck_allocations_categories"),
    Index("ix_allocations_division_id", "division", "id"),
    Index("ix_allocations_parent", "parent_id"),
    Index("ix_allocations_allocator", "allocator", "year"),
)

project_draws = Table(
    "project_draws",
    metadata,
    Column("project_id", UUID(as_uuid=True), ForeignKey("projects.id"), primary_key=True),
    Column("allocation_id", UUID(as_uuid=True), ForeignKey("allocations.id"), primary_key=True),
    Column("amount", Numeric(14, 2), nullable=False),
    CheckConstraint("amount >= 0", name="ck_project_draws_amount"),
    Index("ix_project_draws_allocation", "allocation_id"),
)

# ---- joint inspections (联合检查) -----------------------------------------------------------------------------

inspections = Table(
    "inspections",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # The county-level division inspected (a county, or a city without counties).
    Column("division", String(12), nullable=False),
    Column("year", Integer, nullable=False),
    # Code list `inspection_department`, at least two (a joint inspection).
    Column("departments", ARRAY(String(30)), nullable=False),
    Column("leader_unit", String(100), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    # open | closed (code list `inspection_status`): closed, it takes nothing more.
    Column("status", String(10), nullable=False, server_default=text("'open'")),
    Column("conclusion", Text),
    Column("opened_by", String(200), nullable=False),
    # The opening officer's division: only it, or a tier above containing it, adds items and closes.
    Column("opened_division", String(12), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("closed_by", String(200)),
    Column("closed_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False, server_default=text("1")),
    CheckConstraint("cardinality(departments) >= 2", name="ck_inspections_joint"),
    CheckConstraint("ends_on >= starts_on", name="ck_inspections_dates"),
    CheckConstraint("status IN ('open', 'closed')", name="ck_inspections_status"),
    Index("ix_inspections_division_id", "division", "id"),
)

inspection_items = Table(
    "inspection_items",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("inspection_id", UUID(as_uuid=True), ForeignKey("inspections.id"), nullable=False),
    Column("project_id", UUID(as_uuid=True), ForeignKey("projects.id"), nullable=False),
    # [{point, passed, note}], each point of code list `inspection_point` once.
    Column("checklist", JSONB, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_inspection_items_inspection", "inspection_id", "recorded_at"),
)

# ---- evaluations (绩效评价) ------------------------------------------------------------------------------------

project_evaluations = Table(
    "project_evaluations",
    metadata,
    Column("project_id", UUID(as_uuid=True), ForeignKey("projects.id"), primary_key=True),
    # 1 for the first evaluation, one more per correction; the highest is the current one.
    Column("version", Integer, primary_key=True),
    # [{indicator, target, actual, met, computed}] in the order of the performance target.
    Column("indicators", JSONB, nullable=False),
    Column("met", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("score", Numeric(4, 1), nullable=False),
    Column("grade", String(10), nullable=False),
    # Why a correction replaced the version before it (null on the first).
    Column("reason", Text),
    Column("evaluated_by", String(200), nullable=False),
    Column("evaluated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("total >= 1 AND met BETWEEN 0 AND total", name="ck_project_evaluations_counts"),
    CheckConstraint("version = 1 OR reason IS NOT NULL", name="ck_project_evaluations_reason"),
)

fund_evaluations = Table(
    "fund_evaluations",
    metadata,
    # A county's special fund evaluation of a year, frozen once by the city or the province.
    Column("division", String(12), primary_key=True),
    Column("year", Integer, primary_key=True),
    # The figures as GET /fund-evaluations computed them when frozen.
    Column("figures", JSONB, nullable=False),
    Column("frozen_by", String(200), nullable=False),
    Column("frozen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

NIL = NO_MEMBER

findings = Table(
    "findings",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # One of: a payment (the payment kinds), an allocation (idle-funds), an allocation and the project
    # drawing on it (outside-category).
    Column("payment_id", UUID(as_uuid=True), ForeignKey("payments.id")),
    Column("allocation_id", UUID(as_uuid=True), ForeignKey("allocations.id")),
    Column("project_id", UUID(as_uuid=True), ForeignKey("projects.id")),
    Column("division", String(12), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("status", String(30), nullable=False, server_default=text("'open'")),
    # write (when the payment or project was recorded) | scan (POST /supervision/scan)
    Column("raised_by", String(10), nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # idle-funds: what was idle when the finding was raised.
    Column("idle_amount", Numeric(14, 2)),
    Column("note", Text),
    Column("resolved_by", String(200)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False, server_default=text("1")),
    # inspection-issue: the inspection whose item failed the point, the point and the inspectors' note.
    Column("inspection_id", UUID(as_uuid=True), ForeignKey("inspections.id")),
    Column("inspection_point", String(20)),
    Column("issue_note", Text),
    CheckConstraint(
        "payment_id IS NOT NULL OR allocation_id IS NOT NULL "
        "OR (kind = 'inspection-issue' AND project_id IS NOT NULL AND inspection_point IS NOT NULL)",
        name="ck_findings_subject",
    ),
    # A scan finds again what was found: one finding per payment and kind ...
    UniqueConstraint("payment_id", "kind", name="uq_findings_payment_kind"),
    # ... and one per allocation (and project drawing on it) and kind.
    Index(
        "uq_findings_allocation_kind",
        "allocation_id",
        text(f"COALESCE(project_id, '{NIL}'::uuid)"),
        "kind",
        unique=True,
        postgresql_where=text("payment_id IS NULL"),
    ),
    # ... and one per project and checklist point, however many inspections find it failed.
    Index(
        "uq_findings_inspection_point",
        "project_id",
        "inspection_point",
        unique=True,
        postgresql_where=text("kind = 'inspection-issue'"),
    ),
    Index("ix_findings_division_id", "division", "id"),
)
