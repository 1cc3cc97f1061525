"""Event builders (contracts in fupin_contracts.evaluation): an evaluation's events have its county as
division and `evaluation/<id>` as subject; a rectification's have its own division and
`rectification/<id>`, and a task assigned to a township or village tells the assignee too, with the
assignee's division and the task's subject (`assignment.*`); an assessment's opening tells each assessee
too, with the assessee's division (`assessee.opened_by_<tier>`). What people typed goes out with any personal
number in it masked (a domain topic reaches every consumer, the dead-letter topic and the outbox's
retention); the rows keep it as typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from evaluation.rates import Rate
from evaluation.rounds.schemas import ResultsOut
from fupin_contracts import evaluation as contracts
from fupin_kit.auth.actor import Actor
from fupin_kit.envelope import Envelope, new_event
from fupin_kit.pii import mask_text

SERVICE = "evaluation"
STEP_TYPES = {
    "start": contracts.RECTIFICATION_PROGRESSED,
    "submit": contracts.RECTIFICATION_PROGRESSED,
    "accept": contracts.RECTIFICATION_ACCEPTED,
    "return": contracts.RECTIFICATION_RETURNED,
}
# An assessment's task names no round, which the v1 types require: its events are the v2 types.
STEP_TYPES_V2 = {
    "start": contracts.RECTIFICATION_PROGRESSED_V2,
    "submit": contracts.RECTIFICATION_PROGRESSED_V2,
    "accept": contracts.RECTIFICATION_ACCEPTED_V2,
    "return": contracts.RECTIFICATION_RETURNED_V2,
}
# A step after the assignment, as the assignee's feed carries it (the start is the assignment itself).
ASSIGNMENT_STEP_TYPES = {
    "submit": contracts.ASSIGNMENT_PROGRESSED,
    "accept": contracts.ASSIGNMENT_ACCEPTED,
    "return": contracts.ASSIGNMENT_RETURNED,
}
# An assessment's opening as each assessee's feed carries it, by the tier whose powers the assessor holds.
ASSESSEE_OPENED_TYPES = {
    "nation": contracts.ASSESSEE_OPENED_BY_NATION,
    "province": contracts.ASSESSEE_OPENED_BY_PROVINCE,
    "city": contracts.ASSESSEE_OPENED_BY_CITY,
    "county": contracts.ASSESSEE_OPENED_BY_COUNTY,
}


def _envelope(
    event_type: str, aggregate: str, aggregate_id: str, division: str, payload: BaseModel, actor: Actor
) -> Envelope:
    return new_event(
        service=SERVICE,
        type=event_type,
        aggregate=aggregate,
        aggregate_id=aggregate_id,
        division=division,
        data=payload.model_dump(mode="json"),
        actor_id=actor.subject,
        actor_tier=actor.tier,
    )


def _evaluation_event(event_type: str, row: dict[str, Any], payload: BaseModel, actor: Actor) -> Envelope:
    return _envelope(event_type, "evaluation", str(row["id"]), row["division"], payload, actor)


def evaluation_opened(row: dict[str, Any], actor: Actor) -> Envelope:
    payload = contracts.EvaluationOpenedV1(
        evaluation_id=row["id"],
        division=row["division"],
        year=row["year"],
        evaluator=row["evaluator"],
        design=contracts.DesignV1(
            townships_per_county=row["townships_per_county"],
            villages_per_township=row["villages_per_township"],
            households_per_village=row["households_per_village"],
            seed=row["seed"],
            allocation=row["allocation"],
        ),
    )
    return _evaluation_event(contracts.EVALUATION_OPENED, row, payload, actor)


def sample_drawn(row: dict[str, Any], sizes: dict[str, int], actor: Actor) -> Envelope:
    payload = contracts.SampleDrawnV1(evaluation_id=row["id"], division=row["division"], **sizes)
    return _evaluation_event(contracts.SAMPLE_DRAWN, row, payload, actor)


def rate_payload(rate: Rate) -> contracts.RateV1:
    return contracts.RateV1(
        code=rate.code,
        numerator=rate.numerator,
        denominator=rate.denominator,
        value=rate.value,
        low=None if rate.interval is None else rate.interval.low,
        high=None if rate.interval is None else rate.interval.high,
        threshold=rate.threshold.limit,
        sense=rate.threshold.sense,
        verdict=rate.verdict.value,
    )


def evaluation_closed(
    row: dict[str, Any], rates: list[Rate], results: ResultsOut, rectifications: int, actor: Actor
) -> Envelope:
    reason = results.partial_reason
    payload = contracts.EvaluationClosedV1(
        evaluation_id=row["id"],
        division=row["division"],
        year=row["year"],
        rates=[rate_payload(rate) for rate in rates],
        verdict=results.verdict,
        rectifications=rectifications,
        unsurveyed_households=results.unsurveyed_households,
        partial_reason=None if reason is None else mask_text(reason),
    )
    return _evaluation_event(contracts.EVALUATION_CLOSED, row, payload, actor)


def _rectification_event(event_type: str, row: dict[str, Any], payload: BaseModel, actor: Actor) -> Envelope:
    return _envelope(event_type, "rectification", str(row["id"]), row["division"], payload, actor)


def _from_assessment(row: dict[str, Any]) -> bool:
    return row["evaluation_id"] is None


def rectification_opened(row: dict[str, Any], actor: Actor) -> Envelope:
    if _from_assessment(row):
        return _rectification_event(
            contracts.RECTIFICATION_OPENED_V2,
            row,
            contracts.RectificationOpenedV2(
                rectification_id=row["id"],
                evaluation_id=None,
                assessment_id=row["assessment_id"],
                division=row["division"],
                county=row["county"],
                kind=row["kind"],
                household_id=row["household_id"],
                deadline=row["deadline"],
                worker_tier=row["worker_tier"],
                checker_tier=row["checker_tier"],
            ),
            actor,
        )
    payload = contracts.RectificationOpenedV1(
        rectification_id=row["id"],
        evaluation_id=row["evaluation_id"],
        division=row["division"],
        county=row["county"],
        kind=row["kind"],
        household_id=row["household_id"],
        deadline=row["deadline"],
    )
    return _rectification_event(contracts.RECTIFICATION_OPENED, row, payload, actor)


def rectification_step(
    row: dict[str, Any], action: str, from_status: str, note: str | None, actor: Actor
) -> Envelope:
    if _from_assessment(row):
        step = contracts.RectificationStepV2(
            rectification_id=row["id"],
            evaluation_id=None,
            assessment_id=row["assessment_id"],
            division=row["division"],
            action=action,
            from_status=from_status,
            to_status=row["status"],
            note=None if note is None else mask_text(note),
            assignee=_assigned(row, action),
        )
        return _rectification_event(STEP_TYPES_V2[action], row, step, actor)
    payload = contracts.RectificationStepV1(
        rectification_id=row["id"],
        evaluation_id=row["evaluation_id"],
        division=row["division"],
        action=action,
        from_status=from_status,
        to_status=row["status"],
        note=None if note is None else mask_text(note),
        assignee=_assigned(row, action),
    )
    return _rectification_event(STEP_TYPES[action], row, payload, actor)


def _assigned(row: dict[str, Any], action: str) -> str | None:
    """The assignee, on the start that named it (the only step that may)."""
    return row["assignee"] if action == "start" else None


def rectification_deadline_extended(
    row: dict[str, Any], previous: dt.date, reason: str, actor: Actor
) -> Envelope:
    payload = contracts.RectificationDeadlineExtendedV1(
        rectification_id=row["id"],
        evaluation_id=row["evaluation_id"],
        assessment_id=row["assessment_id"],
        division=row["division"],
        previous_deadline=previous,
        deadline=row["deadline"],
        reason=mask_text(reason),
    )
    return _rectification_event(contracts.RECTIFICATION_DEADLINE_EXTENDED, row, payload, actor)


# ---- a task assigned to a township or village, for the assignee ---------------------------------------------
# A task's own events keep its division (where the task is: the county, or the household's village), which
# the feed of the township or village the county assigned it to does not cover. Each step of an assigned
# task is therefore told the assignee too: the same step, with the assignee's division, which the feed router
# stores as any other event, so that the assignee's feed carries it. The feed policy gives these to the
# township and the village only: the county and above (and the province topics) carry the task's own events.


def _assignment_event(event_type: str, row: dict[str, Any], payload: BaseModel, actor: Actor) -> Envelope:
    """The assignee's division; the task's subject, so that it stays in order with the task's events."""
    return _envelope(event_type, "rectification", str(row["id"]), row["assignee"], payload, actor)


def _assignment_opened(row: dict[str, Any], actor: Actor) -> Envelope:
    payload = contracts.AssignmentOpenedV1(
        rectification_id=row["id"],
        evaluation_id=row["evaluation_id"],
        assessment_id=row["assessment_id"],
        division=row["assignee"],
        task_division=row["division"],
        county=row["county"],
        kind=row["kind"],
        household_id=row["household_id"],
        deadline=row["deadline"],
        status=row["status"],
        worker_tier=row["worker_tier"],
        checker_tier=row["checker_tier"],
    )
    return _assignment_event(contracts.ASSIGNMENT_OPENED, row, payload, actor)


def for_assignee(
    row: dict[str, Any], action: str, from_status: str, note: str | None, actor: Actor
) -> list[Envelope]:
    """A step of the task `row` (as changed by it) for its assignee: the assignment on the start that names
    it, each later step after it; nothing for a task assigned to nobody."""
    if row["assignee"] is None:
        return []
    if action == "start":
        return [_assignment_opened(row, actor)]
    payload = contracts.AssignmentStepV1(
        rectification_id=row["id"],
        evaluation_id=row["evaluation_id"],
        assessment_id=row["assessment_id"],
        division=row["assignee"],
        task_division=row["division"],
        action=action,
        from_status=from_status,
        to_status=row["status"],
        note=None if note is None else mask_text(note),
    )
    return [_assignment_event(ASSIGNMENT_STEP_TYPES[action], row, payload, actor)]


def deadline_for_assignee(
    row: dict[str, Any], previous: dt.date, reason: str, actor: Actor
) -> list[Envelope]:
    """An assigned task's later deadline for its assignee; nothing for a task assigned to nobody."""
    if row["assignee"] is None:
        return []
    payload = contracts.AssignmentDeadlineExtendedV1(
        rectification_id=row["id"],
        evaluation_id=row["evaluation_id"],
        assessment_id=row["assessment_id"],
        division=row["assignee"],
        task_division=row["division"],
        previous_deadline=previous,
        deadline=row["deadline"],
        reason=mask_text(reason),
    )
    return [_assignment_event(contracts.ASSIGNMENT_DEADLINE_EXTENDED, row, payload, actor)]


# ---- assessments -------------------------------------------------------------------------------------------


def _assessment_event(
    event_type: str, row: dict[str, Any], division: str, payload: BaseModel, actor: Actor
) -> Envelope:
    return _envelope(event_type, "assessment", str(row["id"]), division, payload, actor)


def assessment_opened(row: dict[str, Any], assessees: list[str], actor: Actor) -> Envelope:
    """To the assessor and the tiers above (its division is the assessor's)."""
    payload = contracts.AssessmentOpenedV1(
        assessment_id=row["id"],
        division=row["division"],
        assessor_tier=row["assessor_tier"],
        year=row["year"],
        assessee_level=row["assessee_level"],
        scheme=contracts.SchemeV1(source_weights=row["source_weights"], part_weights=row["part_weights"]),
        assessees=assessees,
    )
    return _assessment_event(contracts.ASSESSMENT_OPENED, row, row["division"], payload, actor)


def for_assessees(row: dict[str, Any], assessees: list[str], actor: Actor) -> list[Envelope]:
    """The opening told each assessee, with its division and none of the others: `assessment.opened` has
    the assessor's division, which an assessee's feed (and, for the nation's, any province's topic) does not
    cover. The type names the assessor's tier, so that the feed policy gives it only to the tiers below the
    assessor (deploy/feed-policy.yaml)."""
    # The tier whose powers the assessor holds: a city without counties assesses its townships as the
    # county tier, and its officers' feed follows the county's exclusions (feeds.policy.for_actor).
    powers = "county" if row["assessee_level"] == "township" else row["assessor_tier"]
    event_type = ASSESSEE_OPENED_TYPES[powers]
    scheme = contracts.SchemeV1(source_weights=row["source_weights"], part_weights=row["part_weights"])
    return [
        _assessment_event(
            event_type,
            row,
            assessee,
            contracts.AssesseeOpenedV1(
                assessment_id=row["id"],
                division=assessee,
                assessor=row["division"],
                assessor_tier=row["assessor_tier"],
                year=row["year"],
                assessee_level=row["assessee_level"],
                scheme=scheme,
            ),
            actor,
        )
        for assessee in assessees
    ]


def assessment_finalized(row: dict[str, Any], assessee: dict[str, Any], actor: Actor) -> Envelope:
    """One assessee's result, with the assessee's division: its own feed carries it, and no other's."""
    payload = contracts.AssessmentFinalizedV1(
        assessment_id=row["id"],
        division=assessee["division"],
        assessor=row["division"],
        year=row["year"],
        composite=str(assessee["composite"]),
        rank=assessee["rank"],
        grade=assessee["grade"],
        vetoed=assessee["vetoed"],
        consequence=assessee["consequence"],
        rectification_id=assessee["rectification_id"],
    )
    return _assessment_event(contracts.ASSESSMENT_FINALIZED, row, assessee["division"], payload, actor)
