"""Events of the identification service: cases of the identification, exit and monitoring procedures.

Every event's CloudEvents `division` is the case's village code and its subject is `case/<case id>`, so
one case's events stay in order. Every transition emits one event; its type names the procedure
(`case` for identification, `exit`, `monitoring`) and the step. The registry acts on three of them:
`case.announced` (→ registered), `exit.announced` (→ exited) and `monitoring.decided` (→ monitored). An
announcement the registry refuses moves the case to `registry_refused` (`case.registry_refused`,
`exit.registry_refused`); the county's retry publishes `case.announced` / `exit.announced` again.
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict

CASE_ANNOUNCED = "fupin.identification.case.announced.v1"
EXIT_ANNOUNCED = "fupin.identification.exit.announced.v1"
MONITORING_DECIDED = "fupin.identification.monitoring.decided.v1"
# Past-tense verb of each workflow action, for the event type of a transition.
VERBS: dict[str, str] = {
    "open": "opened",
    "verify": "verified",
    "village_review": "village_reviewed",
    "open_notice": "noticed",
    "close_notice": "notice_closed",
    "uphold_objection": "returned",
    "township_review": "township_reviewed",
    "complete_comparison": "compared",
    "county_approve": "approved",
    "announce": "announced",
    "register": "registered",
    # The registry refused the announced decision (household.decision_refused); the county's retry
    # announces it again: its event is the announcement the registry acts on (case.announced,
    # exit.announced), with action `retry`.
    "registry_refuse": "registry_refused",
    "retry": "announced",
    "reject": "rejected",
    "withdraw": "withdrawn",
    "exit_verify": "verified",
    "household_confirm": "confirmed",
    "exit_announce": "announced",
    "mark_exited": "completed",
    "visit": "visited",
    "authorise": "authorised",
    "compare": "compared",
    "county_decide": "decided",
    "clear_risk": "cleared",
    # A monitoring case ended because the registry registered (or returned) the household as poor.
    "end_monitoring": "ended",
}
AGGREGATES: dict[str, str] = {"identification": "case", "exit": "exit", "monitoring": "monitoring"}


def event_type(kind: str, action: str) -> str:
    return f"fupin.identification.{AGGREGATES[kind]}.{VERBS[action]}.v1"


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CaseTransitionedV1(_Payload):
    """Payload of every case event, including the three the registry acts on."""

    case_id: uuid.UUID
    kind: str
    household_id: uuid.UUID
    division: str
    year: int
    action: str
    from_state: str | None
    to_state: str
    batch_id: uuid.UUID | None = None
    reason: str | None = None
    # On every event of a monitoring case (its opening and each later step, whatever took it: a person, a
    # list's decision, a timer, the registry): how the household came to notice (code list `discovery`), as
    # the case was opened with it; `department_push` for a warning a department's list opened. None on
    # identification and exit cases. Optional: added within v1 (on the open event from 2026-11-28, on the
    # later steps since identification_0015). The feeds above the county withhold every event naming
    # DISCOVERED_BY_PUSH, so no step of such a warning tells them which entries of a list matched.
    discovery: str | None = None


# A monitoring case a department's list opened (discovery 部门筛查预警): its events above the county would
# tell a system of the pusher's organisation which entries of its list matched (the QA10 oracle).
DISCOVERED_BY_PUSH = "department_push"


# The lists departmental systems push (POST /comparisons/pushes, `kind`). A client granted the scope
# `comparisons:push:<kind>` may push that list only; the gateway refuses to grant any other kind.
PUSH_OPERATION = "comparisons:push"
PUSH_KINDS: tuple[str, ...] = (
    "private_vehicle",
    "commercial_housing",
    "government_payroll",
    "business_licence",
    "medical_self_paid",
    "education_fees",
    "disaster",
)


# The announcement contract named in the issue: household, division, year and the case.
CaseAnnouncedV1 = CaseTransitionedV1

# Objection tickets and quota changes are decisions too: recorded as events beside the case transitions.
OBJECTION_OPENED = "fupin.identification.objection.opened.v1"
OBJECTION_RESOLVED = "fupin.identification.objection.resolved.v1"
QUOTA_SET = "fupin.identification.quota.set.v1"


class ObjectionV1(_Payload):
    """A ticket opened on a notice, or its resolution. The objector's text and contact stay in the
    service (they may name people); the event says which case was objected to and how it ended."""

    objection_id: uuid.UUID
    notice_id: uuid.UUID
    case_id: uuid.UUID
    division: str
    status: str  # open | upheld | dismissed
    opened_at: dt.datetime
    due_at: dt.datetime
    resolved_by: str | None = None
    resolution: str | None = None
    # The objected case's `discovery` (a monitoring case's, as on its steps; None on the others): the feeds
    # above the county withhold an objection to a warning a department's list opened (DISCOVERED_BY_PUSH).
    # Optional: added within v1 (2026-11-28).
    discovery: str | None = None


class QuotaSetV1(_Payload):
    """A quota set or adjusted (规模控制), with the amount before (None when first set) and the reason."""

    division: str
    year: int
    before: int | None
    after: int
    reason: str


# An exclusion hit (信息比对) confirmed after the identification decision was announced: the case can no
# longer be rejected, so the household is flagged for 清退 review (removal from the register by the county).
EXCLUSION_CONFIRMED = "fupin.identification.case.exclusion_confirmed.v1"


class _CaseState(_Payload):
    """The case a decision without a transition concerns, and the state it is in."""

    case_id: uuid.UUID
    kind: str
    household_id: uuid.UUID
    division: str
    year: int
    state: str


class ExclusionConfirmedV1(_CaseState):
    """A confirmed exclusion hit on a case already announced or registered: which case and household,
    which department list matched, and the review it calls for (`exit_review`, 清退)."""

    hit_id: uuid.UUID
    hit_kind: str
    reason: str
    review: str


# A village cadre's confirmation of a case's support categories (每户一类, several allowed): no transition,
# but a decision the tiers' feeds and assistance planning follow like the others.
CATEGORY_CONFIRMED = "fupin.identification.case.category_confirmed.v1"


class CategoryConfirmedV1(_CaseState):
    """The support categories confirmed for a case (each at most once) and why, with the case's state."""

    categories: list[str]
    reason: str
    # The case's `discovery`, as on its steps (None on an identification case): withheld above the county
    # for a warning a department's list opened. Optional: added within v1 (2026-11-28).
    discovery: str | None = None


# A sampled case that failed its batch's spot-check (抽查): no transition (the case stays at the step for an
# individual decision that must address the finding), but a finding on the case that the tiers' feeds
# follow like its steps.
SPOT_CHECK_FAILED = "fupin.identification.case.spot_check_failed.v1"


class SpotCheckFailedV1(_CaseState):
    """A sampled case that failed the spot-check of a batch decision: the batch, the step it was checked
    for (`township_review` or `county_approve`) and the checking officer's note, with the case's state."""

    batch_id: uuid.UUID
    step: str
    note: str


# A department's list matched a member of a case (信息比对), and the county's resolution of that hit: no
# transition (a blocking hit stops the case until resolved), but findings and decisions the feeds follow.
COMPARISON_HIT_OPENED = "fupin.identification.comparison.hit_opened.v1"
COMPARISON_HIT_RESOLVED = "fupin.identification.comparison.hit_resolved.v1"


class ComparisonHitV1(_CaseState):
    """A comparison hit on a case, with the case's state: the list kind and whether it blocks the case
    (`effect` block | warn), the hit's status (open, then cleared or confirmed), who resolved it and why
    (resolution; any resident ID or mobile number in it masked)."""

    hit_id: uuid.UUID
    hit_kind: str
    effect: str
    status: str
    reason: str
    push_id: uuid.UUID | None = None
    department: str | None = None
    resolved_by: str | None = None
    resolution: str | None = None
    # The member the department's list named and what its entry said (any resident ID or mobile number in
    # it masked), as the hit's own record holds them. Optional: added within v1.
    member_id: uuid.UUID | None = None
    detail: str | None = None


# Poor villages and counties (贫困村/贫困县) and their exit procedures (贫困村退出, 贫困县摘帽). Every event's
# division is the village or county concerned; a designation's subject is `poor-division/<code>`, a
# procedure's `division-exit/<id>` (one procedure's events stay in order). No payload names a person: the
# reason an officer typed is published with any personal number masked.
POOR_DIVISION_DESIGNATED = "fupin.identification.poor_division.designated.v1"
DIVISION_EXIT_PROPOSED = "fupin.identification.division_exit.proposed.v1"
DIVISION_EXIT_PROGRESSED = "fupin.identification.division_exit.progressed.v1"
DIVISION_EXIT_APPROVED = "fupin.identification.division_exit.approved.v1"
DIVISION_EXIT_REJECTED = "fupin.identification.division_exit.rejected.v1"
DIVISION_EXIT_WITHDRAWN = "fupin.identification.division_exit.withdrawn.v1"


class PoorDivisionDesignatedV1(_Payload):
    """A village (by its county) or a county (by its province) put on the list of poor divisions."""

    division: str
    level: str  # village | county
    designated_year: int
    basis: str


class DivisionExitV1(_Payload):
    """One step of a village's or county's exit procedure: proposed (from_state None), progressed (review,
    check, verify, open_notice), approved, rejected or withdrawn."""

    exit_id: uuid.UUID
    division: str
    level: str  # village | county
    year: int
    action: str
    from_state: str | None
    to_state: str
    reason: str | None = None
    # The poverty incidence at the proposal and the threshold it was held against, in percent.
    incidence_pct: float | None = None
    threshold_pct: float | None = None
    notice_ends_at: dt.datetime | None = None
    # A county's: the closed third-party evaluation its verification rests on.
    evaluation_id: uuid.UUID | None = None


PAYLOADS: dict[str, type[BaseModel]] = {
    **{event_type(kind, action): CaseTransitionedV1 for kind in AGGREGATES for action in VERBS},
    OBJECTION_OPENED: ObjectionV1,
    OBJECTION_RESOLVED: ObjectionV1,
    QUOTA_SET: QuotaSetV1,
    EXCLUSION_CONFIRMED: ExclusionConfirmedV1,
    CATEGORY_CONFIRMED: CategoryConfirmedV1,
    SPOT_CHECK_FAILED: SpotCheckFailedV1,
    COMPARISON_HIT_OPENED: ComparisonHitV1,
    COMPARISON_HIT_RESOLVED: ComparisonHitV1,
    POOR_DIVISION_DESIGNATED: PoorDivisionDesignatedV1,
    DIVISION_EXIT_PROPOSED: DivisionExitV1,
    DIVISION_EXIT_PROGRESSED: DivisionExitV1,
    DIVISION_EXIT_APPROVED: DivisionExitV1,
    DIVISION_EXIT_REJECTED: DivisionExitV1,
    DIVISION_EXIT_WITHDRAWN: DivisionExitV1,
}
