"""Events of the evaluation service: third-party sampling evaluations (第三方评估) of a county and the
rectification tasks (整改) their findings open.

An evaluation's events have the evaluated county as division and `evaluation/<id>` as subject; a
rectification's have its division (the county for a failed threshold, the household's village for a
household's finding) and `rectification/<id>` as subject, so each one's events stay in order.

No payload names a person: a sample and a task carry household ids and counts; what officers typed (what
was done, a reason) is published with any personal number in it masked. Rates are fractions (0.0125 for
1.25%), their 95% Wilson interval beside them; none for a rate without a denominator.
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


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DesignV1(_Payload):
    townships_per_county: int
    villages_per_township: int
    households_per_village: int
    seed: int


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
    non_poor_households: int


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


PAYLOADS: dict[str, type[BaseModel]] = {
    EVALUATION_OPENED: EvaluationOpenedV1,
    SAMPLE_DRAWN: SampleDrawnV1,
    EVALUATION_CLOSED: EvaluationClosedV1,
    RECTIFICATION_OPENED: RectificationOpenedV1,
    RECTIFICATION_PROGRESSED: RectificationStepV1,
    RECTIFICATION_ACCEPTED: RectificationStepV1,
    RECTIFICATION_RETURNED: RectificationStepV1,
}
