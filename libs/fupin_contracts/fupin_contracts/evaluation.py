"""Events of the evaluation service: third-party sampling evaluations (第三方评估) of a county, assessments
per tier (年度考核) and the rectification tasks (整改) their findings open.

An assessment's `opened` event has the assessor's division (the nation, a province, a city or a county) and
goes to the assessor and the tiers above; its `finalized` events are one per assessee, with the assessee's
division and only its own result, so that an assessee's feed carries its own result and no other's, and the
assessor and the tiers above receive every one. Their subject is `assessment/<id>`. A rectification task
from an assessment names no evaluation round: its events are the `.v2` types below, which name the
assessment or the round that opened the task; a round's tasks keep their `.v1` types.

An evaluation's events have the evaluated county as division and `evaluation/<id>` as subject; a
rectification's have its division (the county for a failed threshold, the household's village for a
household's finding) and `rectification/<id>` as subject, so each one's events stay in order.

No payload names a person: a sample and a task carry household ids and counts; what officers typed (what
was done, a reason) is published with any personal number in it masked. Rates are fractions (0.0125 for
1.25%), their 95% Wilson interval beside them; none for a rate without a denominator.

Additive since the first versions (absent in events published before): a design's `allocation`
(proportional, or satisfaction_532: the 5:3:2 split of poor, exited and non-poor households per village),
the draw's realised split per stratum (`allocation`, `strata`), and a step's `assignee` (the township or
village the county assigned its task to when starting it). A task's deadline extended by its checker is
`rectification.deadline_extended.v1`, for a round's task and an assessment's alike.

A task the county assigns to one of its townships or villages keeps its own division (the county or the
village) on its `rectification.*` events, where the task is. The assignee is told on its own feed by the
`assignment.*` types, whose division is the assignee: `assignment.opened` when the county assigns the task
(its start), then one event per later step of the task (`progressed` for a submit, `accepted`, `returned`,
`deadline_extended`), whoever takes it. Their subject is the task's (`rectification/<id>`), so they keep
their order with the task's own events; they repeat what the task's events say, for the assignee.

An assessment's opening is told each assessee on its own feed too: one `assessee.opened_by_<tier>` per
assessee, with the assessee's division and only its own place in the assessment (no other assessee), the
subject `assessment/<id>`. The type names the tier whose powers the assessor holds (`<tier>`: nation,
province, city, county; a city without counties assesses its townships as the county), so that the tier
feed policy gives it to exactly the tiers below the assessor, which `assessment.opened` (the assessor's
division) does not reach, and not again to the assessor and the tiers above it.
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict

EVALUATION_OPENED = "fupin.evaluation.evaluation.opened.v1"
SAMPLE_DRAWN = "fupin.evaluation.sample.drawn.v1"
EVALUATION_CLOSED = "fupin.evaluation.evaluation.closed.v1"
RECTIFICATION_OPENED = "fupin.evaluation.rectification.opened.v1"
RECTIFICATION_PROGRESSED = "fupin.evaluation.rectification.progressed.v1"
RECTIFICATION_ACCEPTED = "fupin.evaluation.rectification.accepted.v1"
RECTIFICATION_RETURNED = "fupin.evaluation.rectification.returned.v1"
ASSESSMENT_OPENED = "fupin.evaluation.assessment.opened.v1"
ASSESSMENT_FINALIZED = "fupin.evaluation.assessment.finalized.v1"
RECTIFICATION_OPENED_V2 = "fupin.evaluation.rectification.opened.v2"
RECTIFICATION_PROGRESSED_V2 = "fupin.evaluation.rectification.progressed.v2"
RECTIFICATION_ACCEPTED_V2 = "fupin.evaluation.rectification.accepted.v2"
RECTIFICATION_RETURNED_V2 = "fupin.evaluation.rectification.returned.v2"
RECTIFICATION_DEADLINE_EXTENDED = "fupin.evaluation.rectification.deadline_extended.v1"
ASSIGNMENT_OPENED = "fupin.evaluation.assignment.opened.v1"
ASSIGNMENT_PROGRESSED = "fupin.evaluation.assignment.progressed.v1"
ASSIGNMENT_ACCEPTED = "fupin.evaluation.assignment.accepted.v1"
ASSIGNMENT_RETURNED = "fupin.evaluation.assignment.returned.v1"
ASSIGNMENT_DEADLINE_EXTENDED = "fupin.evaluation.assignment.deadline_extended.v1"
ASSESSEE_OPENED_BY_NATION = "fupin.evaluation.assessee.opened_by_nation.v1"
ASSESSEE_OPENED_BY_PROVINCE = "fupin.evaluation.assessee.opened_by_province.v1"
ASSESSEE_OPENED_BY_CITY = "fupin.evaluation.assessee.opened_by_city.v1"
ASSESSEE_OPENED_BY_COUNTY = "fupin.evaluation.assessee.opened_by_county.v1"


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DesignV1(_Payload):
    townships_per_county: int
    villages_per_township: int
    households_per_village: int
    seed: int
    # A code of `sample_allocation`: proportional | satisfaction_532. Absent: proportional.
    allocation: str | None = None


class EvaluationOpenedV1(_Payload):
    evaluation_id: uuid.UUID
    division: str
    year: int
    evaluator: str
    design: DesignV1


class SampleDrawnV1(_Payload):
    """The frozen sample's size by stratum (its households are read through the API)."""

    evaluation_id: uuid.UUID
    division: str
    townships: int
    villages: int
    households: int
    poor_households: int
    # Households drawn not registered poor, exited ones included.
    non_poor_households: int
    allocation: str | None = None
    # Households drawn per stratum (a code of `sample_stratum`: poor, exited under the 5:3:2 split, non_poor).
    strata: dict[str, int] | None = None


# The four rates of a county's third-party evaluation, each with a veto on the county's exit (domain.md §7).
VETO_RATE_CODES = ("wrongly_exited", "missed", "approval", "composite_incidence")


class RateV1(_Payload):
    # wrongly_exited (错退率) | missed (漏评率) | approval (群众认可度) | composite_incidence (综合贫困发生率)
    code: str
    numerator: int
    denominator: int
    value: float | None
    low: float | None
    high: float | None
    threshold: float
    # below: passes under the threshold; at_least: passes at or over it.
    sense: str
    # pass | veto | no-data
    verdict: str


class EvaluationClosedV1(_Payload):
    evaluation_id: uuid.UUID
    division: str
    year: int
    rates: list[RateV1]
    # pass | veto | incomplete
    verdict: str
    rectifications: int
    # Sampled households without a finding when it closed (the rates count surveyed households only);
    # None from a producer before this field.
    unsurveyed_households: int | None = None
    # Why it closed with households unsurveyed (personal numbers masked); None for a complete survey.
    partial_reason: str | None = None


class RectificationOpenedV1(_Payload):
    rectification_id: uuid.UUID
    evaluation_id: uuid.UUID
    division: str
    county: str
    # A code of `rectification_kind` (GET /code-lists of evaluation).
    kind: str
    household_id: uuid.UUID | None
    deadline: dt.date


class RectificationStepV1(_Payload):
    """progressed (started, submitted), accepted or returned."""

    rectification_id: uuid.UUID
    evaluation_id: uuid.UUID
    division: str
    action: str
    from_status: str
    to_status: str
    note: str | None
    # The township or village the county assigned the task to, on the start that assigned it.
    assignee: str | None = None


class SchemeV1(_Payload):
    """Integer weights summing to 100: {daily_supervision, annual_check, third_party} and {poverty_reduction,
    identification_accuracy, assistance_satisfaction, funds}."""

    source_weights: dict[str, int]
    part_weights: dict[str, int]


class AssessmentOpenedV1(_Payload):
    assessment_id: uuid.UUID
    # The assessor's division and tier.
    division: str
    assessor_tier: str
    year: int
    # province | city | county | township
    assessee_level: str
    scheme: SchemeV1
    assessees: list[str]


class AssesseeOpenedV1(_Payload):
    """An assessment opened, for one assessee: its own division, the assessor's beside it, no other
    assessee."""

    assessment_id: uuid.UUID
    # The assessee's division; the assessor's division and tier beside it.
    division: str
    assessor: str
    assessor_tier: str
    year: int
    # province | city | county | township
    assessee_level: str
    scheme: SchemeV1


class AssessmentFinalizedV1(_Payload):
    """One assessee's frozen result. Composite: exact decimal text with two places ("89.99")."""

    assessment_id: uuid.UUID
    # The assessee's division; the assessor's beside it.
    division: str
    assessor: str
    year: int
    composite: str
    rank: int
    # A code of `assessment_grade`: good (好) | fairly_good (较好) | average (一般) | poor (较差).
    grade: str
    vetoed: bool
    # A code of `assessment_consequence`: commendation | none | interview.
    consequence: str
    rectification_id: uuid.UUID | None


class RectificationOpenedV2(_Payload):
    """A task opened by a round's close (evaluation_id, county) or an assessment's finalization
    (assessment_id), with the tiers that work and check it."""

    rectification_id: uuid.UUID
    evaluation_id: uuid.UUID | None
    assessment_id: uuid.UUID | None
    division: str
    county: str | None
    kind: str
    household_id: uuid.UUID | None
    deadline: dt.date
    worker_tier: str
    checker_tier: str


class RectificationStepV2(_Payload):
    rectification_id: uuid.UUID
    evaluation_id: uuid.UUID | None
    assessment_id: uuid.UUID | None
    division: str
    action: str
    from_status: str
    to_status: str
    note: str | None
    assignee: str | None = None


class RectificationDeadlineExtendedV1(_Payload):
    """A later deadline set by the task's checker, with the reason (personal numbers masked)."""

    rectification_id: uuid.UUID
    evaluation_id: uuid.UUID | None
    assessment_id: uuid.UUID | None
    division: str
    previous_deadline: dt.date
    deadline: dt.date
    reason: str


class AssignmentOpenedV1(_Payload):
    """A task the county assigned to one of its townships or villages when it started it, for the assignee."""

    rectification_id: uuid.UUID
    evaluation_id: uuid.UUID | None
    assessment_id: uuid.UUID | None
    # The assignee (a township or village); the task's own division beside it.
    division: str
    task_division: str
    county: str | None
    kind: str
    household_id: uuid.UUID | None
    deadline: dt.date
    status: str
    worker_tier: str
    checker_tier: str


class AssignmentStepV1(_Payload):
    """A later step of an assigned task (submit, accept, return), for the assignee; `note` masked."""

    rectification_id: uuid.UUID
    evaluation_id: uuid.UUID | None
    assessment_id: uuid.UUID | None
    division: str
    task_division: str
    action: str
    from_status: str
    to_status: str
    note: str | None


class AssignmentDeadlineExtendedV1(_Payload):
    """An assigned task's later deadline, for the assignee; `reason` masked."""

    rectification_id: uuid.UUID
    evaluation_id: uuid.UUID | None
    assessment_id: uuid.UUID | None
    division: str
    task_division: str
    previous_deadline: dt.date
    deadline: dt.date
    reason: str


PAYLOADS: dict[str, type[BaseModel]] = {
    EVALUATION_OPENED: EvaluationOpenedV1,
    SAMPLE_DRAWN: SampleDrawnV1,
    EVALUATION_CLOSED: EvaluationClosedV1,
    RECTIFICATION_OPENED: RectificationOpenedV1,
    RECTIFICATION_PROGRESSED: RectificationStepV1,
    RECTIFICATION_ACCEPTED: RectificationStepV1,
    RECTIFICATION_RETURNED: RectificationStepV1,
    ASSESSMENT_OPENED: AssessmentOpenedV1,
    ASSESSMENT_FINALIZED: AssessmentFinalizedV1,
    RECTIFICATION_OPENED_V2: RectificationOpenedV2,
    RECTIFICATION_PROGRESSED_V2: RectificationStepV2,
    RECTIFICATION_ACCEPTED_V2: RectificationStepV2,
    RECTIFICATION_RETURNED_V2: RectificationStepV2,
    RECTIFICATION_DEADLINE_EXTENDED: RectificationDeadlineExtendedV1,
    ASSIGNMENT_OPENED: AssignmentOpenedV1,
    ASSIGNMENT_PROGRESSED: AssignmentStepV1,
    ASSIGNMENT_ACCEPTED: AssignmentStepV1,
    ASSIGNMENT_RETURNED: AssignmentStepV1,
    ASSIGNMENT_DEADLINE_EXTENDED: AssignmentDeadlineExtendedV1,
    ASSESSEE_OPENED_BY_NATION: AssesseeOpenedV1,
    ASSESSEE_OPENED_BY_PROVINCE: AssesseeOpenedV1,
    ASSESSEE_OPENED_BY_CITY: AssesseeOpenedV1,
    ASSESSEE_OPENED_BY_COUNTY: AssesseeOpenedV1,
}
