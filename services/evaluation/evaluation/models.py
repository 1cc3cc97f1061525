"""Tables owned by the evaluation service.

Every table holding a place's fact carries its division code (`county` for an evaluation, the village for
a sampled household or a finding, the county or the village for a rectification), so every jurisdiction
predicate is an index range scan. A sample is written once, when drawn, and never changed (domain.md §7);
a finding's corrections keep what they replaced in `finding_history`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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
    Column("member_count", Integer, nullable=False, server_default=text("0")),
    # The registry's version of the household as its last event carrying one said (created = 1); an
    # older status event changes nothing.
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The draw reads the distinct townships and villages of a county and a village's households from it.
    Index("ix_rm_households_division_id", "division", "household_id"),
)

# ---- evaluation rounds (第三方评估) -------------------------------------------------------------------------

evaluations = Table(
    "evaluations",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # The county-level division evaluated (a county, or a city without counties).
    Column("division", String(12), nullable=False),
    Column("year", Integer, nullable=False),
    Column("evaluator", Text, nullable=False),
    Column("townships_per_county", Integer, nullable=False),
    Column("villages_per_township", Integer, nullable=False),
    Column("households_per_village", Integer, nullable=False),
    Column("seed", BigInteger, nullable=False),
    # How a village's households are split between the strata: a code of `sample_allocation`.
    Column("allocation", String(20), nullable=False, server_default=text("'proportional'")),
    Column("status", String(10), nullable=False),
    Column("opened_by", String(200), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("drawn_at", DateTime(timezone=True)),
    Column("sample_size", Integer),
    # The realised split, set by the draw: {stratum: households drawn}.
    Column("strata", JSONB),
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_by", String(200)),
    # The rates as they stood at close (the findings are frozen then, so they never change).
    Column("results", JSONB),
    Index("ix_evaluations_division_id", "division", "id"),
)

evaluation_samples = Table(
    "evaluation_samples",
    metadata,
    Column("evaluation_id", UUID(as_uuid=True), primary_key=True),
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Column("division", String(12), nullable=False),
    # The household as it stood when drawn: the rates are computed from these, not from later changes.
    Column("status", String(20), nullable=False),
    Column("member_count", Integer, nullable=False),
    # poor or non_poor; under the 5:3:2 split, exited households are their own stratum, exited.
    Column("stratum", String(10), nullable=False),
    # The sample's pages go by (division, household_id) within one evaluation.
    Index("ix_evaluation_samples_page", "evaluation_id", "division", "household_id"),
)

findings = Table(
    "findings",
    metadata,
    Column("evaluation_id", UUID(as_uuid=True), primary_key=True),
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Column("division", String(12), nullable=False),
    Column("wrongly_exited", Boolean, nullable=False),
    Column("missed", Boolean, nullable=False),
    Column("people_affected", Integer, nullable=False),
    Column("satisfied", Boolean, nullable=False),
    Column("note", Text),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("people_affected >= 0", name="ck_findings_people_affected"),
)

# Each version a correction replaced, with the correction's reason.
finding_history = Table(
    "finding_history",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("evaluation_id", UUID(as_uuid=True), nullable=False),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("version", Integer, nullable=False),
    # The replaced version's values, as they were.
    Column("replaced", JSONB, nullable=False),
    Column("reason", Text, nullable=False),
    Column("corrected_by", String(200), nullable=False),
    Column("corrected_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_finding_history_finding", "evaluation_id", "household_id", "version"),
)

# ---- rectification tasks (整改) ------------------------------------------------------------------------

rectifications = Table(
    "rectifications",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # What opened it: an evaluation round's close, or an assessment's finalization (one of the two).
    Column("evaluation_id", UUID(as_uuid=True)),
    Column("assessment_id", UUID(as_uuid=True)),
    # The county for a failed threshold; the household's village for a household's finding; the assessee
    # for an assessment graded 较差.
    Column("division", String(12), nullable=False),
    # The evaluated county (an evaluation's task); none for an assessment's.
    Column("county", String(12)),
    Column("kind", String(30), nullable=False),
    Column("household_id", UUID(as_uuid=True)),
    Column("summary", Text, nullable=False),
    Column("status", String(12), nullable=False),
    Column("deadline", Date, nullable=False),
    # What the county did (submit) and why the province returned it (return), the latest of each.
    Column("done", Text),
    Column("return_reason", Text),
    # The tier whose officers start and submit it, and the tier whose officers accept or return it: the
    # county and the province for an evaluation's task, the assessee's and the assessor's for an assessment's.
    Column("worker_tier", String(10), nullable=False, server_default=text("'county'")),
    Column("checker_tier", String(10), nullable=False, server_default=text("'province'")),
    # A township or village of the county the county assigned the task to when it started it: its
    # officers read and submit it; the county still answers for it.
    Column("assignee", String(12)),
    Column("opened_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_rectifications_division_id", "division", "id"),
    Index("ix_rectifications_evaluation", "evaluation_id"),
    Index("ix_rectifications_assessment", "assessment_id"),
    # An assignee's officers find the tasks assigned within their jurisdiction by it.
    Index("ix_rectifications_assignee_id", "assignee", "id"),
)

# Each extension of a task's deadline by its checker, with the reason: the deadlines it replaced.
rectification_deadlines = Table(
    "rectification_deadlines",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("rectification_id", UUID(as_uuid=True), nullable=False),
    Column("previous_deadline", Date, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("extended_by", String(200), nullable=False),
    Column("extended_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("deadline > previous_deadline", name="ck_rectification_deadlines_later"),
    Index("ix_rectification_deadlines_task", "rectification_id", "extended_at"),
)

# ---- assessments (年度考核) -------------------------------------------------------------------------------

assessments = Table(
    "assessments",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # The assessor's division (the nation, a province, a city or a county) and its tier.
    Column("division", String(12), nullable=False),
    Column("assessor_tier", String(10), nullable=False),
    Column("year", Integer, nullable=False),
    Column("assessee_level", String(10), nullable=False),
    # {source: weight} and {part: weight}, integers summing to 100 each.
    Column("source_weights", JSONB, nullable=False),
    Column("part_weights", JSONB, nullable=False),
    Column("status", String(10), nullable=False),
    Column("opened_by", String(200), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finalized_by", String(200)),
    Column("finalized_at", DateTime(timezone=True)),
    Index("ix_assessments_division_id", "division", "id"),
)

assessees = Table(
    "assessees",
    metadata,
    Column("assessment_id", UUID(as_uuid=True), primary_key=True),
    Column("division", String(12), primary_key=True),
    Column("vetoed", Boolean, nullable=False, server_default=text("false")),
    Column("veto_reason", Text),
    Column("veto_by", String(200)),
    # Set at the finalization, then never changed: the result as frozen and what it brings.
    Column("composite", Numeric(6, 2)),
    Column("rank", Integer),
    Column("grade", String(12)),
    Column("consequence", String(12)),
    Column("rectification_id", UUID(as_uuid=True)),
    # An assessee reads the assessments it is in: found by its own division.
    Index("ix_assessees_division", "division", "assessment_id"),
)

assessment_scores = Table(
    "assessment_scores",
    metadata,
    Column("assessment_id", UUID(as_uuid=True), primary_key=True),
    Column("division", String(12), primary_key=True),
    Column("source", String(20), primary_key=True),
    # {part: "87.5"}: one score 0–100 with one decimal per part, kept as exact decimal text.
    Column("scores", JSONB, nullable=False),
    Column("note", Text),
    # The third-party round the score was taken from, when it was.
    Column("evaluation_id", UUID(as_uuid=True)),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Each version of a score a correction replaced, with the correction's reason.
assessment_score_history = Table(
    "assessment_score_history",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("assessment_id", UUID(as_uuid=True), nullable=False),
    Column("division", String(12), nullable=False),
    Column("source", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("replaced", JSONB, nullable=False),
    Column("reason", Text, nullable=False),
    Column("corrected_by", String(200), nullable=False),
    Column("corrected_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_assessment_score_history_score", "assessment_id", "division", "source", "version"),
)
