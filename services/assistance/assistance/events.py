"""Event builders: a helper's events have the household's village as division and `household/<id>` as
subject (one partition key per household, so an ending comes before the assignment that replaced it); a
team's have its village as division and `village/<code>` as subject.

Phones are published masked (as every event masks mobiles), and what people typed (a unit, a reason)
through `_published`, which masks any ID, mobile, landline or bank account in it: a domain topic reaches
every consumer, the dead-letter topic and the outbox's retention. The service's own rows keep them as
typed."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel

from fupin_contracts import assistance as contracts
from fupin_kit.auth.actor import Actor
from fupin_kit.envelope import Envelope, new_event
from fupin_kit.pii import mask_phone, mask_text

SERVICE = "assistance"


def _published(typed: str | None) -> str | None:
    return None if typed is None else mask_text(typed)


def _phone(phone: str) -> str:
    return mask_phone(phone) or ""


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


def helper_assigned(row: dict[str, Any], actor: Actor, replaces: uuid.UUID | None) -> Envelope:
    payload = contracts.HelperAssignedV1(
        assignment_id=row["id"],
        household_id=row["household_id"],
        division=row["division"],
        name=row["name"],
        unit=mask_text(row["unit"]),
        unit_tier=row["unit_tier"],
        phone=_phone(row["phone"]),
        started_on=row["started_on"],
        reason=_published(row["reason"]),
        replaces=replaces,
    )
    return _envelope(
        contracts.HELPER_ASSIGNED, "household", str(row["household_id"]), row["division"], payload, actor
    )


def helper_ended(row: dict[str, Any], actor: Actor, replaced_by: uuid.UUID | None) -> Envelope:
    payload = contracts.HelperEndedV1(
        assignment_id=row["id"],
        household_id=row["household_id"],
        division=row["division"],
        ended_on=row["ended_on"],
        end_reason=mask_text(row["end_reason"]),
        replaced_by=replaced_by,
    )
    return _envelope(
        contracts.HELPER_ENDED, "household", str(row["household_id"]), row["division"], payload, actor
    )


def _team_member(person: dict[str, Any]) -> contracts.TeamMemberV1:
    return contracts.TeamMemberV1(
        name=person["name"], unit=mask_text(person["unit"]), phone=_phone(person["phone"])
    )


def team_formed(row: dict[str, Any], actor: Actor, replaces: uuid.UUID | None) -> Envelope:
    payload = contracts.TeamFormedV1(
        team_id=row["id"],
        division=row["division"],
        first_secretary=_team_member(row["first_secretary"]),
        members=[_team_member(member) for member in row["members"]],
        sent_by=row["sent_by"],
        started_on=row["started_on"],
        reason=_published(row["reason"]),
        replaces=replaces,
    )
    return _envelope(contracts.TEAM_FORMED, "village", row["division"], row["division"], payload, actor)


def team_ended(row: dict[str, Any], actor: Actor, replaced_by: uuid.UUID | None) -> Envelope:
    payload = contracts.TeamEndedV1(
        team_id=row["id"],
        division=row["division"],
        ended_on=row["ended_on"],
        end_reason=mask_text(row["end_reason"]),
        replaced_by=replaced_by,
    )
    return _envelope(contracts.TEAM_ENDED, "village", row["division"], row["division"], payload, actor)


def _household_event(event_type: str, row: dict[str, Any], payload: BaseModel, actor: Actor) -> Envelope:
    return _envelope(event_type, "household", str(row["household_id"]), row["division"], payload, actor)


def plan_set(row: dict[str, Any], actor: Actor, replaces: uuid.UUID | None) -> Envelope:
    payload = contracts.PlanSetV1(
        plan_id=row["id"],
        household_id=row["household_id"],
        division=row["division"],
        version=row["version"],
        target_year=row["target_year"],
        plan_summary=mask_text(row["summary"]),
        plan_reason=_published(row["reason"]),
        replaces=replaces,
    )
    return _household_event(contracts.PLAN_SET, row, payload, actor)


def measure_added(row: dict[str, Any], actor: Actor) -> Envelope:
    amount = row["amount"]
    payload = contracts.MeasureAddedV1(
        measure_id=row["id"],
        household_id=row["household_id"],
        division=row["division"],
        measure_type=row["type"],
        description=mask_text(row["description"]),
        scale=_published(row["scale"]),
        amount=None if amount is None else f"{amount:.2f}",
        deadline=row["deadline"],
        status=row["status"],
    )
    return _household_event(contracts.MEASURE_ADDED, row, payload, actor)


def measure_progressed(row: dict[str, Any], actor: Actor, from_status: str) -> Envelope:
    payload = contracts.MeasureProgressedV1(
        measure_id=row["id"],
        household_id=row["household_id"],
        division=row["division"],
        from_status=from_status,
        to_status=row["status"],
        result=_published(row["result"]),
        reason=_published(row["cancel_reason"]),
    )
    return _household_event(contracts.MEASURE_PROGRESSED, row, payload, actor)


def measure_signed_off(row: dict[str, Any], actor: Actor) -> Envelope:
    payload = contracts.MeasureSignedOffV1(
        measure_id=row["id"],
        household_id=row["household_id"],
        division=row["division"],
        name=row["signed_by"],
        signed_on=row["signed_on"],
    )
    return _household_event(contracts.MEASURE_SIGNED_OFF, row, payload, actor)


def visit_logged(row: dict[str, Any], actor: Actor) -> Envelope:
    payload = contracts.VisitLoggedV1(
        visit_id=row["id"],
        household_id=row["household_id"],
        division=row["division"],
        visited_on=row["visited_on"],
        name=row["visitor"],
        kind=row["kind"],
        notes=mask_text(row["notes"]),
        findings=_published(row["findings"]),
    )
    return _household_event(contracts.VISIT_LOGGED, row, payload, actor)


def _yuan(amount: Any) -> str:
    return f"{amount:.2f}"


def loan_disbursed(row: dict[str, Any], actor: Actor) -> Envelope:
    payload = contracts.LoanDisbursedV1(
        loan_id=row["id"],
        household_id=row["household_id"],
        division=row["division"],
        borrower_member_id=row["borrower_member_id"],
        name=row["borrower_name"],
        bank=mask_text(row["bank"]),
        amount=_yuan(row["amount"]),
        term_months=row["term_months"],
        rate=f"{row['rate']:.3f}",
        purpose=row["purpose"],
        disbursed_on=row["disbursed_on"],
        due_on=row["due_on"],
        interest_subsidy=row["interest_subsidy"],
    )
    return _household_event(contracts.LOAN_DISBURSED, row, payload, actor)


def loan_repaid(loan: dict[str, Any], repayment: dict[str, Any], actor: Actor) -> Envelope:
    payload = contracts.LoanRepaidV1(
        loan_id=loan["id"],
        household_id=loan["household_id"],
        division=loan["division"],
        repayment_id=repayment["id"],
        paid_on=repayment["paid_on"],
        principal=_yuan(repayment["principal"]),
        interest=_yuan(repayment["interest"]),
        balance=_yuan(repayment["balance_after"]),
        interest_subsidised=loan["interest_subsidy"],
    )
    return _household_event(contracts.LOAN_REPAID, loan, payload, actor)


def loan_status_changed(row: dict[str, Any], actor: Actor, from_status: str) -> Envelope:
    compensated = row["compensated_amount"]
    payload = contracts.LoanStatusChangedV1(
        loan_id=row["id"],
        household_id=row["household_id"],
        division=row["division"],
        from_status=from_status,
        to_status=row["status"],
        compensated_amount=None if compensated is None else _yuan(compensated),
        reason=_published(row["compensation_reason"]),
    )
    return _household_event(contracts.LOAN_STATUS_CHANGED, row, payload, actor)


def _link_terms(event_type: str, row: dict[str, Any], reason: str | None, actor: Actor) -> Envelope:
    payload = contracts.LinkTermsV1(
        link_id=row["id"],
        project_id=row["project_id"],
        household_id=row["household_id"],
        division=row["division"],
        version=row["version"],
        mechanism=row["mechanism"],
        expected_yearly=_yuan(row["expected_yearly"]),
        started_on=row["started_on"],
        note=_published(row["note"]),
        reason=_published(reason),
    )
    return _household_event(event_type, row, payload, actor)


def link_made(row: dict[str, Any], actor: Actor) -> Envelope:
    return _link_terms(contracts.LINK_MADE, row, None, actor)


def link_changed(row: dict[str, Any], reason: str, actor: Actor) -> Envelope:
    return _link_terms(contracts.LINK_CHANGED, row, reason, actor)


def link_ended(row: dict[str, Any], actor: Actor) -> Envelope:
    payload = contracts.LinkEndedV1(
        link_id=row["id"],
        project_id=row["project_id"],
        household_id=row["household_id"],
        division=row["division"],
        ended_on=row["ended_on"],
        reason=mask_text(row["end_reason"]),
    )
    return _household_event(contracts.LINK_ENDED, row, payload, actor)


def benefit_recorded(link: dict[str, Any], benefit: dict[str, Any], replaced: Any, actor: Actor) -> Envelope:
    payload = contracts.BenefitRecordedV1(
        link_id=link["id"],
        project_id=link["project_id"],
        household_id=link["household_id"],
        division=link["division"],
        year=benefit["year"],
        version=benefit["version"],
        amount=_yuan(benefit["amount"]),
        replaced_amount=None if replaced is None else _yuan(replaced),
        reason=_published(benefit["reason"]),
    )
    return _household_event(contracts.BENEFIT_RECORDED, link, payload, actor)
