"""Events of the assistance service: named helpers (帮扶责任人) of households and resident teams (驻村工作队)
of villages; each household's plan (脱贫计划), measures (帮扶措施) and visit log (走访记录).

A helper event's CloudEvents `division` is the household's village code and its subject is
`household/<household id>`, so one household's assignments stay in order (an ending before the assignment
that replaced it); a team event's division is the team's village and its subject `village/<code>`.
Payloads carry phone numbers masked (138****0000), as every event masks mobiles: the service keeps them in
full for the county and below. Plan, measure and visit events are a household's (division: its village,
subject `household/<id>`), so a measure's progress never overtakes its addition; what people typed in them
(a summary, a description, a result, notes) is published with any ID, mobile, landline or bank account in
it masked, as every event masks them. A loan's events (扶贫小额信贷) are the household's too and name the
borrower: they go to the county and below only (amounts are yuan as decimal strings); so do a project's
links to households and the benefits they received (a household's income). People's names are under the key `name` at any depth, which the feed policy
masks for any tier above the county that should ever receive them.
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict

HELPER_ASSIGNED = "fupin.assistance.helper.assigned.v1"
HELPER_ENDED = "fupin.assistance.helper.ended.v1"
TEAM_FORMED = "fupin.assistance.team.formed.v1"
TEAM_ENDED = "fupin.assistance.team.ended.v1"
PLAN_SET = "fupin.assistance.plan.set.v1"
MEASURE_ADDED = "fupin.assistance.measure.added.v1"
MEASURE_PROGRESSED = "fupin.assistance.measure.progressed.v1"
MEASURE_SIGNED_OFF = "fupin.assistance.measure.signed_off.v1"
VISIT_LOGGED = "fupin.assistance.visit.logged.v1"
LOAN_DISBURSED = "fupin.assistance.loan.disbursed.v1"
LOAN_REPAID = "fupin.assistance.loan.repaid.v1"
LOAN_STATUS_CHANGED = "fupin.assistance.loan.status_changed.v1"
LINK_MADE = "fupin.assistance.link.made.v1"
LINK_CHANGED = "fupin.assistance.link.changed.v1"
LINK_ENDED = "fupin.assistance.link.ended.v1"
BENEFIT_RECORDED = "fupin.assistance.benefit.recorded.v1"


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HelperAssignedV1(_Payload):
    """A household's named helper assigned, first or in place of another (`replaces`, whose
    helper.ended comes first)."""

    assignment_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    name: str
    unit: str
    # The tier of the helper's work unit: province | city | county | township | village.
    unit_tier: str
    # Masked: 138****0000.
    phone: str
    started_on: dt.date
    reason: str | None = None
    replaces: uuid.UUID | None = None


class HelperEndedV1(_Payload):
    """A helper's assignment ended: replaced by another (`replaced_by`) or ended without a successor."""

    assignment_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    ended_on: dt.date
    end_reason: str
    replaced_by: uuid.UUID | None = None


class TeamMemberV1(_Payload):
    name: str
    unit: str
    # Masked: 138****0000.
    phone: str


class TeamFormedV1(_Payload):
    """A village's resident team formed, first or in place of another (`replaces`, whose team.ended comes
    first)."""

    team_id: uuid.UUID
    division: str
    first_secretary: TeamMemberV1
    members: list[TeamMemberV1]
    # The tier of the unit that sent the team: province | city | county | township | village.
    sent_by: str
    started_on: dt.date
    reason: str | None = None
    replaces: uuid.UUID | None = None


class TeamEndedV1(_Payload):
    team_id: uuid.UUID
    division: str
    ended_on: dt.date
    end_reason: str
    replaced_by: uuid.UUID | None = None


class PlanSetV1(_Payload):
    """A household's plan (脱贫计划) set: its first (`version` 1) or one replacing the current (`replaces`).
    It names nobody: the exit year aimed at is an aggregate-level figure a province counts. `plan_summary`
    and `plan_reason` are typed texts, which the feeds above the county drop (they could name anyone)."""

    plan_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    version: int
    # The year the household is aimed to exit poverty in.
    target_year: int
    plan_summary: str | None = None
    plan_reason: str | None = None
    replaces: uuid.UUID | None = None


class MeasureAddedV1(_Payload):
    """A measure (帮扶措施) added to a household's set, planned."""

    measure_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    # industry | employment | education | medical | housing | relocation | dibao | microcredit |
    # cooperative | asset_income | photovoltaic | ecology | ecommerce | tourism (GET /code-lists).
    measure_type: str
    description: str
    scale: str | None = None
    # Yuan, two decimals, as a string ("1200.00").
    amount: str | None = None
    deadline: dt.date
    status: str


class MeasureProgressedV1(_Payload):
    """A measure moved on: planned → in_progress → completed (with `result`), or cancelled (with
    `reason`)."""

    measure_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    from_status: str
    to_status: str
    result: str | None = None
    reason: str | None = None


class MeasureSignedOffV1(_Payload):
    """The household signed off the result of a completed measure (once). `name`: the member who signed."""

    measure_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    name: str
    signed_on: dt.date


class VisitLoggedV1(_Payload):
    """A visit (走访记录) to the household logged. `name`: the visitor."""

    visit_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    visited_on: dt.date
    name: str
    # home | phone | other
    kind: str
    notes: str
    findings: str | None = None


class LoanDisbursedV1(_Payload):
    """A micro-credit loan to the household recorded. `name`: the borrower (never a birth date)."""

    loan_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    borrower_member_id: uuid.UUID
    name: str
    bank: str
    amount: str
    term_months: int
    # Annual %, the benchmark rate.
    rate: str
    # A code of `loan_purpose`: planting | breeding | processing | commerce | tourism | other_production
    purpose: str
    disbursed_on: dt.date
    due_on: dt.date
    interest_subsidy: bool


class LoanRepaidV1(_Payload):
    """A repayment (any, not only the last) recorded; `balance` is what is owed after it."""

    loan_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    repayment_id: uuid.UUID
    paid_on: dt.date
    principal: str
    interest: str
    balance: str
    # The interest is the county's to subsidise (the loan's interest_subsidy).
    interest_subsidised: bool


class LoanStatusChangedV1(_Payload):
    """The loan became overdue, compensated (by the county's risk-compensation fund, with the amount paid
    to the bank and why) or repaid (its balance zero)."""

    loan_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    from_status: str
    to_status: str
    compensated_amount: str | None = None
    reason: str | None = None


class LinkTermsV1(_Payload):
    """A project's link to a household (带贫/利益联结机制) as made or changed: the household's income from an
    industry project, so the county and below only. `mechanism`: a code of `link_mechanism` (wages |
    dividends | purchases | land_rent | asset_income | production); `expected_yearly` yuan as a string."""

    link_id: uuid.UUID
    project_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    version: int
    mechanism: str
    expected_yearly: str
    started_on: dt.date
    note: str | None = None
    # link.changed: why the terms changed.
    reason: str | None = None


class LinkEndedV1(_Payload):
    link_id: uuid.UUID
    project_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    ended_on: dt.date
    reason: str


class BenefitRecordedV1(_Payload):
    """What a linked household actually received from the project in `year`; a correction (version > 1)
    names the amount it replaces and why."""

    link_id: uuid.UUID
    project_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    year: int
    version: int
    amount: str
    replaced_amount: str | None = None
    reason: str | None = None


PAYLOADS: dict[str, type[BaseModel]] = {
    HELPER_ASSIGNED: HelperAssignedV1,
    HELPER_ENDED: HelperEndedV1,
    TEAM_FORMED: TeamFormedV1,
    TEAM_ENDED: TeamEndedV1,
    PLAN_SET: PlanSetV1,
    MEASURE_ADDED: MeasureAddedV1,
    MEASURE_PROGRESSED: MeasureProgressedV1,
    MEASURE_SIGNED_OFF: MeasureSignedOffV1,
    VISIT_LOGGED: VisitLoggedV1,
    LOAN_DISBURSED: LoanDisbursedV1,
    LOAN_REPAID: LoanRepaidV1,
    LOAN_STATUS_CHANGED: LoanStatusChangedV1,
    LINK_MADE: LinkTermsV1,
    LINK_CHANGED: LinkTermsV1,
    LINK_ENDED: LinkEndedV1,
    BENEFIT_RECORDED: BenefitRecordedV1,
}
