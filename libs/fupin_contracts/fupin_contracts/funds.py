"""Events of the funds service: projects of a county's project library (项目库) and their lifecycle.

Every event's CloudEvents `division` is the project's division (the village or township where it is carried
out) and its subject is `project/<project id>`, so one project's events stay in order. Every step emits an
event of its own type, as identification's case steps do (`project.township_reviewed`, `project.approved`,
…): a tier's feed policy and a consumer subscribe to the steps they act on by type, and the console labels
each. The proposal carries the project as proposed (`project.proposed`), the public notice its period
(`project.noticed`); every other step the common `ProjectStepV1`.

Projects are public information (公告公示, domain.md §6): the payloads hold what the public notice shows
(name, category, place, budget and financing, performance target, beneficiary counts) and nothing personal:
no household ids, no inspectors' names; what officers typed (a reason, notes) is published with any personal
number in it masked. Amounts are yuan with 2 decimals, serialised as strings ("1200000.00").
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

# Past-tense verb of each lifecycle action, for the event type of a step.
VERBS: dict[str, str] = {
    "propose": "proposed",
    "township_review": "township_reviewed",
    "county_approve": "approved",
    "post_notice": "noticed",
    "enter_library": "listed",
    "start": "started",
    "accept": "accepted",
    "fail_acceptance": "acceptance_failed",
    "reimburse": "reimbursed",
    "announce": "announced",
    "reject": "rejected",
}


def event_type(action: str) -> str:
    return f"fupin.funds.project.{VERBS[action]}.v1"


PROJECT_PROPOSED = event_type("propose")
PROJECT_NOTICED = event_type("post_notice")


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FinancingV1(_Payload):
    # central | provincial | city | county | integrated (统筹整合) | other
    source: str
    amount: Decimal
    # The allocation the line draws on (allocation.made), when the proposal named one.
    allocation_id: uuid.UUID | None = None


class IndicatorV1(_Payload):
    indicator: str
    target: str


class ProjectProposedV1(_Payload):
    """A project proposed to the county's library (status `proposed`)."""

    project_id: uuid.UUID
    division: str
    # Not `name`: the feed policy masks that key above the county as a person's name (张**).
    project_name: str
    # Code list `category` (industry 产业发展, infrastructure 基础设施, …) and `nature` (new, continued, repair).
    category: str
    nature: str
    year: int
    starts_on: dt.date
    ends_on: dt.date
    budget: Decimal
    financing: list[FinancingV1]
    beneficiary_households: int
    beneficiary_people: int
    performance_target: list[IndicatorV1]


class ProjectStepV1(_Payload):
    """One step of a project's lifecycle: the action and the statuses before and after it (alike for a
    failed acceptance, which records the inspection without moving the project)."""

    project_id: uuid.UUID
    division: str
    year: int
    action: str
    from_status: str
    to_status: str
    reason: str | None = None
    # reimburse: the amount reimbursed (报账), at most the budget.
    amount: Decimal | None = None
    # accept / fail_acceptance: the inspection's day and result (passed | failed).
    accepted_on: dt.date | None = None
    acceptance_result: str | None = None


class ProjectNoticedV1(_Payload):
    """The county posted the project's public notice (公示): up from `starts_on`, coming down on `ends_on`
    (at least 10 days later); it stays readable on the public board after it ends."""

    project_id: uuid.UUID
    division: str
    year: int
    action: str
    from_status: str
    to_status: str
    starts_on: dt.date
    ends_on: dt.date


PAYLOADS: dict[str, type[BaseModel]] = {
    PROJECT_PROPOSED: ProjectProposedV1,
    PROJECT_NOTICED: ProjectNoticedV1,
    **{
        event_type(action): ProjectStepV1
        for action in VERBS
        if event_type(action) not in (PROJECT_PROPOSED, PROJECT_NOTICED)
    },
}


# ---- payments to households (到户资金) and their supervision findings --------------------------------------
#
# A payment's events name the household (its id, the member paid): the feed policy sends them to the county
# and below only. A finding's events go up to the province: they carry the head's name masked (张**) and
# the household's id, no member id, no resident ID or account.

PAYMENT_RECORDED = "fupin.funds.payment.recorded.v1"
FINDING_RAISED = "fupin.funds.finding.raised.v1"
FINDING_RESOLVED = "fupin.funds.finding.resolved.v1"


class PaymentRecordedV1(_Payload):
    """A payment recorded by a county officer: the money left for the household's 一卡通 account (or, for
    training and student aid, the member's). `finding_kinds`: what the checks found at write time (the
    payment is recorded all the same; each finding has its own finding.raised event)."""

    payment_id: uuid.UUID
    division: str
    household_id: uuid.UUID
    member_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    # Code list `benefit` (industry_subsidy 产业奖补, housing 危房改造补助, …).
    benefit: str
    # "2026" or "2026-03".
    period: str
    amount: Decimal
    standard: Decimal
    paid_on: dt.date
    finding_kinds: list[str]


class FindingRaisedV1(_Payload):
    """A supervision finding on a payment (code list `finding_kind`: non-registered, deceased, duplicate,
    above-standard, before-acceptance, over-budget), raised when it was recorded (`raised_by` write) or by
    a county's or higher tier's scan (scan)."""

    finding_id: uuid.UUID
    payment_id: uuid.UUID
    division: str
    household_id: uuid.UUID
    # Masked (张**) in the payload itself: findings reach the province.
    head_name: str
    kind: str
    raised_by: str
    project_id: uuid.UUID | None = None
    benefit: str
    period: str
    amount: Decimal
    standard: Decimal
    paid_on: dt.date


class FindingResolvedV1(_Payload):
    """A county officer resolved the finding (code list `resolution`: recovered, justified,
    transferred_to_discipline); the note is published with any personal number in it masked."""

    finding_id: uuid.UUID
    payment_id: uuid.UUID
    division: str
    kind: str
    from_status: str
    to_status: str
    resolution: str
    note: str | None = None


PAYLOADS.update(
    {
        PAYMENT_RECORDED: PaymentRecordedV1,
        FINDING_RAISED: FindingRaisedV1,
        FINDING_RESOLVED: FindingResolvedV1,
    }
)


# ---- allocations down the tiers (资金分配/下达) and findings on them ------------------------------------------
#
# Allocations are public money and name no person: the feed policy sends them from the nation down to the
# receiving county (not to the township or the village). A finding on an allocation (idle-funds 资金滞留) or on
# a project drawing on one (outside-category 挪用) has types of its own (`fund_finding.*`): the payment
# findings' contracts require a payment. They go up to the province like those.

ALLOCATION_MADE = "fupin.funds.allocation.made.v1"
FUND_FINDING_RAISED = "fupin.funds.fund_finding.raised.v1"
FUND_FINDING_RESOLVED = "fupin.funds.fund_finding.resolved.v1"


class AllocationMadeV1(_Payload):
    """An allocation made (下达) by `allocator` to `division` (a county-level division or above, within the
    allocator's jurisdiction; a county-level allocator records its own funds to itself). `parent_id`: the
    allocation received above that this one passes down."""

    allocation_id: uuid.UUID
    division: str
    allocator: str
    year: int
    # Code list `allocation_source`: central | provincial | city | county | integrated (统筹整合).
    source: str
    amount: Decimal
    # 文号.
    document_number: str
    # Code list `category`: what the money may be spent on.
    categories: list[str]
    allocated_on: dt.date
    deadline: dt.date
    parent_id: uuid.UUID | None = None


class FundFindingRaisedV1(_Payload):
    """A supervision finding on an allocation (idle-funds: `idle_amount` neither passed down nor committed to
    a project in implementation by the deadline) or on a project drawing on an allocation not approved for
    its category (outside-category: `project_id` and `category`), raised when the project was proposed
    (`raised_by` write) or by a scan (scan)."""

    finding_id: uuid.UUID
    allocation_id: uuid.UUID
    division: str
    kind: str
    raised_by: str
    deadline: dt.date
    project_id: uuid.UUID | None = None
    category: str | None = None
    idle_amount: Decimal | None = None


class FundFindingResolvedV1(_Payload):
    """A county officer resolved a finding on an allocation or a project (code list `resolution`); the note
    is published with any personal number in it masked."""

    finding_id: uuid.UUID
    allocation_id: uuid.UUID
    project_id: uuid.UUID | None = None
    division: str
    kind: str
    from_status: str
    to_status: str
    resolution: str
    note: str | None = None


PAYLOADS.update(
    {
        ALLOCATION_MADE: AllocationMadeV1,
        FUND_FINDING_RAISED: FundFindingRaisedV1,
        FUND_FINDING_RESOLVED: FundFindingResolvedV1,
    }
)


# ---- joint inspections (联合检查), completion and special fund evaluations (绩效评价) ----------------------------
#
# An inspection is public work of the supervising departments and names no person: opened and closed go
# from the nation down to the inspected county. A point of the checklist a project failed is a finding of
# kind inspection-issue (`inspection_finding.*`, the payment and allocation findings' contracts require a
# payment or an allocation); it goes up to the province like the other findings. A project's completion
# evaluation (`project.evaluated`) has the fields of a step (the project's status before and after are the
# same: it moves nothing), so that a consumer of every `project.*` type reads it as one. A county's frozen
# fund evaluation goes from the nation down to the county.

INSPECTION_OPENED = "fupin.funds.inspection.opened.v1"
INSPECTION_CLOSED = "fupin.funds.inspection.closed.v1"
INSPECTION_FINDING_RAISED = "fupin.funds.inspection_finding.raised.v1"
INSPECTION_FINDING_RESOLVED = "fupin.funds.inspection_finding.resolved.v1"
PROJECT_EVALUATED = "fupin.funds.project.evaluated.v1"
FUND_EVALUATION_FROZEN = "fupin.funds.fund_evaluation.frozen.v1"


class InspectionOpenedV1(_Payload):
    """A joint inspection of a county-level division (`division`) for a year, by at least two departments
    (code list `inspection_department`), led by `leader_unit` (typed, personal numbers masked)."""

    inspection_id: uuid.UUID
    division: str
    year: int
    departments: list[str]
    leader_unit: str
    starts_on: dt.date
    ends_on: dt.date


class InspectionClosedV1(_Payload):
    """The inspection closed with its conclusion (typed, personal numbers masked): how many projects were
    inspected and, per checklist point (code list `inspection_point`), how many failed it."""

    inspection_id: uuid.UUID
    division: str
    year: int
    projects_inspected: int
    failed_points: dict[str, int]
    conclusion: str


class InspectionFindingRaisedV1(_Payload):
    """A project failed a point of a joint inspection's checklist (kind inspection-issue, once per project
    and point); the inspectors' note is published with any personal number in it masked."""

    finding_id: uuid.UUID
    inspection_id: uuid.UUID
    project_id: uuid.UUID
    division: str
    kind: str
    point: str
    note: str
    raised_by: str


class InspectionFindingResolvedV1(_Payload):
    """A county officer resolved an inspection finding (code list `resolution`)."""

    finding_id: uuid.UUID
    inspection_id: uuid.UUID
    project_id: uuid.UUID
    division: str
    kind: str
    point: str
    from_status: str
    to_status: str
    resolution: str
    note: str | None = None


class EvaluatedIndicatorV1(_Payload):
    indicator: str
    target: str
    actual: str
    met: bool


class ProjectEvaluatedV1(_Payload):
    """The completion evaluation (竣工绩效评价) of an accepted project, or its correction (`version` > 1, with
    the reason): `score` = indicators met / indicators × 100, one decimal, half-up; `grade` (code list
    `evaluation_grade`). `action` is `evaluate`; `from_status` and `to_status` are the project's status,
    which the evaluation does not move."""

    project_id: uuid.UUID
    division: str
    year: int
    action: str
    from_status: str
    to_status: str
    version: int
    indicators: list[EvaluatedIndicatorV1]
    met: int
    total: int
    score: Decimal
    grade: str
    reason: str | None = None


class FundEvaluationFrozenV1(_Payload):
    """A county's special fund evaluation (专项资金绩效评价) of a year as frozen by the city or the province.
    A figure without data is null (its reason in `reasons`); rates are fractions (0–1, 4 decimals), the
    composite out of 100."""

    division: str
    year: int
    received: Decimal
    used: Decimal
    spending_rate: Decimal | None = None
    projects_approved: int
    projects_accepted: int
    completion_rate: Decimal | None = None
    projects_evaluated: int
    achievement: Decimal | None = None
    open_findings: int
    open_findings_amount: Decimal
    composite: Decimal | None = None
    grade: str | None = None
    reasons: dict[str, str]


PAYLOADS.update(
    {
        INSPECTION_OPENED: InspectionOpenedV1,
        INSPECTION_CLOSED: InspectionClosedV1,
        INSPECTION_FINDING_RAISED: InspectionFindingRaisedV1,
        INSPECTION_FINDING_RESOLVED: InspectionFindingResolvedV1,
        PROJECT_EVALUATED: ProjectEvaluatedV1,
        FUND_EVALUATION_FROZEN: FundEvaluationFrozenV1,
    }
)
