"""Tables owned by the funds service.

A project carries the code of the village or township where it is carried out in `division`, so every
jurisdiction predicate (`division BETWEEN lo AND hi`) is an index range scan. A project is never deleted:
its status moves along the lifecycle (funds.workflow) and every step is a row of `project_history`. Its
public notice (公示) is a row of `project_notices`, kept after it ends so that it stays searchable."""

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
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

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
    CheckConstraint("ends_on >= starts_on + 10", name="ck_project_notices_ten_days"),
    Index("ix_project_notices_division_id", "division", "project_id"),
)
