"""Event builders: every event of a project has the project's division as its division and
`project/<id>` as its subject (one partition key per project, so its steps stay in order). What officers
typed (a reason) goes out through `mask_text`, which masks any ID, mobile, landline or bank account in it:
a domain topic reaches every consumer, the dead-letter topic and the outbox's retention, and projects are
read from the nation down.

A payment's events (`payment/<id>`) name the household and go to the county and below; a finding's
(`finding/<id>`) go up to the province, so they carry the head's name masked (张**) and the note of its
resolution through `mask_text`. A finding on an allocation or a project (idle-funds, outside-category) has
types of its own (`fund_finding.*`); an allocation's (`allocation/<id>`) goes from the nation down to the
county receiving it. A finding of a joint inspection (inspection-issue) has types of its own too
(`inspection_finding.*`); an inspection's (`inspection/<id>`) go from the nation down to the inspected
county, a frozen fund evaluation's (`fund_evaluation/<county>-<year>`) alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from funds.codes import FindingKind
from fupin_contracts import funds as contracts
from fupin_kit.auth.actor import Actor
from fupin_kit.envelope import Envelope, new_event
from fupin_kit.pii import mask_name, mask_text, mask_texts

SERVICE = "funds"
AGGREGATE = "project"
PAYMENT = "payment"
FINDING = "finding"
ALLOCATION = "allocation"
INSPECTION = "inspection"
FUND_EVALUATION = "fund_evaluation"
INSPECTION_ISSUE = FindingKind.INSPECTION_ISSUE.value


def _envelope(
    event_type: str, project: dict[str, Any], payload: BaseModel, actor: Actor, aggregate: str = AGGREGATE
) -> Envelope:
    return new_event(
        service=SERVICE,
        type=event_type,
        aggregate=aggregate,
        aggregate_id=str(project["id"]),
        division=project["division"],
        data=payload.model_dump(mode="json"),
        actor_id=actor.subject,
        actor_tier=actor.tier,
    )


def proposed(project: dict[str, Any], actor: Actor) -> Envelope:
    payload = contracts.ProjectProposedV1(
        project_id=project["id"],
        division=project["division"],
        project_name=mask_text(project["name"]),
        category=project["category"],
        nature=project["nature"],
        year=project["year"],
        starts_on=project["starts_on"],
        ends_on=project["ends_on"],
        budget=project["budget"],
        financing=[contracts.FinancingV1(**item) for item in project["financing"]],
        beneficiary_households=project["beneficiary_households"],
        beneficiary_people=project["beneficiary_people"],
        performance_target=[
            contracts.IndicatorV1(**item) for item in mask_texts(project["performance_target"])
        ],
    )
    return _envelope(contracts.PROJECT_PROPOSED, project, payload, actor)


def step(
    project: dict[str, Any],
    action: str,
    from_status: str,
    actor: Actor,
    reason: str | None = None,
    amount: Decimal | None = None,
    acceptance: dict[str, Any] | None = None,
) -> Envelope:
    """A lifecycle step (other than the proposal and the notice). `project` is the row after it."""
    payload = contracts.ProjectStepV1(
        project_id=project["id"],
        division=project["division"],
        year=project["year"],
        action=action,
        from_status=from_status,
        to_status=project["status"],
        reason=None if reason is None else mask_text(reason),
        amount=amount,
        accepted_on=None if acceptance is None else acceptance["accepted_on"],
        acceptance_result=None if acceptance is None else acceptance["result"],
    )
    return _envelope(contracts.event_type(action), project, payload, actor)


def noticed(
    project: dict[str, Any], from_status: str, starts_on: dt.date, ends_on: dt.date, actor: Actor
) -> Envelope:
    payload = contracts.ProjectNoticedV1(
        project_id=project["id"],
        division=project["division"],
        year=project["year"],
        action="post_notice",
        from_status=from_status,
        to_status=project["status"],
        starts_on=starts_on,
        ends_on=ends_on,
    )
    return _envelope(contracts.PROJECT_NOTICED, project, payload, actor)


def payment_recorded(payment: dict[str, Any], finding_kinds: list[str], actor: Actor) -> Envelope:
    payload = contracts.PaymentRecordedV1(
        payment_id=payment["id"],
        division=payment["division"],
        household_id=payment["household_id"],
        member_id=payment["member_id"],
        project_id=payment["project_id"],
        benefit=payment["benefit"],
        period=payment["period"],
        amount=payment["amount"],
        standard=payment["standard"],
        paid_on=payment["paid_on"],
        finding_kinds=finding_kinds,
    )
    return _envelope(contracts.PAYMENT_RECORDED, payment, payload, actor, PAYMENT)


def finding_raised(finding: dict[str, Any], actor: Actor) -> Envelope:
    """`finding`: the finding's row joined with its payment's and the household's head_name (or with its
    allocation's deadline and its project's category: a finding on an allocation has a type of its own)."""
    if finding["kind"] == INSPECTION_ISSUE:
        return _inspection_finding_raised(finding, actor)
    if finding["payment_id"] is None:
        return _fund_finding_raised(finding, actor)
    payload = contracts.FindingRaisedV1(
        finding_id=finding["id"],
        payment_id=finding["payment_id"],
        division=finding["division"],
        household_id=finding["household_id"],
        head_name=mask_name(finding["head_name"]),
        kind=finding["kind"],
        raised_by=finding["raised_by"],
        project_id=finding["project_id"],
        benefit=finding["benefit"],
        period=finding["period"],
        amount=finding["amount"],
        standard=finding["standard"],
        paid_on=finding["paid_on"],
    )
    return _envelope(contracts.FINDING_RAISED, finding, payload, actor, FINDING)


def _fund_finding_raised(finding: dict[str, Any], actor: Actor) -> Envelope:
    payload = contracts.FundFindingRaisedV1(
        finding_id=finding["id"],
        allocation_id=finding["allocation_id"],
        division=finding["division"],
        kind=finding["kind"],
        raised_by=finding["raised_by"],
        deadline=finding["deadline"],
        project_id=finding["project_id"],
        category=finding["category"],
        idle_amount=finding["idle_amount"],
    )
    return _envelope(contracts.FUND_FINDING_RAISED, finding, payload, actor, FINDING)


def finding_resolved(
    finding: dict[str, Any], from_status: str, resolution: str, note: str | None, actor: Actor
) -> Envelope:
    if finding["kind"] == INSPECTION_ISSUE:
        return _inspection_finding_resolved(finding, from_status, resolution, note, actor)
    if finding["payment_id"] is None:
        return _fund_finding_resolved(finding, from_status, resolution, note, actor)
    payload = contracts.FindingResolvedV1(
        finding_id=finding["id"],
        payment_id=finding["payment_id"],
        division=finding["division"],
        kind=finding["kind"],
        from_status=from_status,
        to_status=finding["status"],
        resolution=resolution,
        note=None if note is None else mask_text(note),
    )
    return _envelope(contracts.FINDING_RESOLVED, finding, payload, actor, FINDING)


def allocation_made(allocation: dict[str, Any], actor: Actor) -> Envelope:
    """Public money, no personal data: the document number goes out as typed, with any personal number in
    it masked all the same (it is free text)."""
    payload = contracts.AllocationMadeV1(
        allocation_id=allocation["id"],
        division=allocation["division"],
        allocator=allocation["allocator"],
        year=allocation["year"],
        source=allocation["source"],
        amount=allocation["amount"],
        document_number=mask_text(allocation["document_number"]),
        categories=allocation["categories"],
        allocated_on=allocation["allocated_on"],
        deadline=allocation["deadline"],
        parent_id=allocation["parent_id"],
    )
    return _envelope(contracts.ALLOCATION_MADE, allocation, payload, actor, ALLOCATION)


def _fund_finding_resolved(
    finding: dict[str, Any], from_status: str, resolution: str, note: str | None, actor: Actor
) -> Envelope:
    payload = contracts.FundFindingResolvedV1(
        finding_id=finding["id"],
        allocation_id=finding["allocation_id"],
        project_id=finding["project_id"],
        division=finding["division"],
        kind=finding["kind"],
        from_status=from_status,
        to_status=finding["status"],
        resolution=resolution,
        note=None if note is None else mask_text(note),
    )
    return _envelope(contracts.FUND_FINDING_RESOLVED, finding, payload, actor, FINDING)


# ---- joint inspections (联合检查) and evaluations (绩效评价) ------------------------------------------------------


def inspection_opened(inspection: dict[str, Any], actor: Actor) -> Envelope:
    payload = contracts.InspectionOpenedV1(
        inspection_id=inspection["id"],
        division=inspection["division"],
        year=inspection["year"],
        departments=inspection["departments"],
        leader_unit=mask_text(inspection["leader_unit"]),
        starts_on=inspection["starts_on"],
        ends_on=inspection["ends_on"],
    )
    return _envelope(contracts.INSPECTION_OPENED, inspection, payload, actor, INSPECTION)


def inspection_closed(
    inspection: dict[str, Any], projects_inspected: int, failed_points: dict[str, int], actor: Actor
) -> Envelope:
    payload = contracts.InspectionClosedV1(
        inspection_id=inspection["id"],
        division=inspection["division"],
        year=inspection["year"],
        projects_inspected=projects_inspected,
        failed_points=failed_points,
        conclusion=mask_text(inspection["conclusion"]),
    )
    return _envelope(contracts.INSPECTION_CLOSED, inspection, payload, actor, INSPECTION)


def _inspection_finding_raised(finding: dict[str, Any], actor: Actor) -> Envelope:
    payload = contracts.InspectionFindingRaisedV1(
        finding_id=finding["id"],
        inspection_id=finding["inspection_id"],
        project_id=finding["project_id"],
        division=finding["division"],
        kind=finding["kind"],
        point=finding["inspection_point"],
        note=mask_text(finding["issue_note"] or ""),
        raised_by=finding["raised_by"],
    )
    return _envelope(contracts.INSPECTION_FINDING_RAISED, finding, payload, actor, FINDING)


def _inspection_finding_resolved(
    finding: dict[str, Any], from_status: str, resolution: str, note: str | None, actor: Actor
) -> Envelope:
    payload = contracts.InspectionFindingResolvedV1(
        finding_id=finding["id"],
        inspection_id=finding["inspection_id"],
        project_id=finding["project_id"],
        division=finding["division"],
        kind=finding["kind"],
        point=finding["inspection_point"],
        from_status=from_status,
        to_status=finding["status"],
        resolution=resolution,
        note=None if note is None else mask_text(note),
    )
    return _envelope(contracts.INSPECTION_FINDING_RESOLVED, finding, payload, actor, FINDING)


def project_evaluated(project: dict[str, Any], evaluation: dict[str, Any], actor: Actor) -> Envelope:
    """On the project's subject, after its steps: the evaluation moves no status (from = to)."""
    payload = contracts.ProjectEvaluatedV1(
        project_id=project["id"],
        division=project["division"],
        year=project["year"],
        action="evaluate",
        from_status=project["status"],
        to_status=project["status"],
        version=evaluation["version"],
        indicators=[
            contracts.EvaluatedIndicatorV1(
                indicator=mask_text(item["indicator"]),
                target=mask_text(item["target"]),
                actual=mask_text(item["actual"]),
                met=item["met"],
            )
            for item in evaluation["indicators"]
        ],
        met=evaluation["met"],
        total=evaluation["total"],
        score=evaluation["score"],
        grade=evaluation["grade"],
        reason=None if evaluation["reason"] is None else mask_text(evaluation["reason"]),
    )
    return _envelope(contracts.PROJECT_EVALUATED, project, payload, actor)


def fund_evaluation_frozen(figures: dict[str, Any], actor: Actor) -> Envelope:
    """`figures`: FundEvaluationOut's fields; the subject is `fund_evaluation/<county>-<year>`."""
    payload = contracts.FundEvaluationFrozenV1.model_validate(
        {key: figures[key] for key in contracts.FundEvaluationFrozenV1.model_fields}
    )
    return new_event(
        service=SERVICE,
        type=contracts.FUND_EVALUATION_FROZEN,
        aggregate=FUND_EVALUATION,
        aggregate_id=f"{figures['division']}-{figures['year']}",
        division=figures["division"],
        data=payload.model_dump(mode="json"),
        actor_id=actor.subject,
        actor_tier=actor.tier,
    )
