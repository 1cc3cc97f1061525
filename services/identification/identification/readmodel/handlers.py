"""Handlers of fupin.registry.events.v1: keep the households and members identification needs, and close
a case when the registry confirms the status its announcement asked for (or settle it when the registry
refuses the announcement). Each runs in the consumer's transaction together with its inbox row."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_contracts import evaluation as evaluation_contracts
from fupin_contracts import registry as contracts
from fupin_kit.envelope import Envelope
from fupin_kit.pii import mask_name
from identification import clock, standards, workflow
from identification.cases import repository as case_rows
from identification.cases import service as cases
from identification.context import SYSTEM_ACTOR, Context
from identification.division_exits import repository as division_exits
from identification.division_exits import workflow as division_exit_flow
from identification.divisions import service as division_names
from identification.readmodel import repository


def _member_row(household_id: uuid.UUID, division: str, member: contracts.MemberSummaryV1) -> dict[str, Any]:
    index = getattr(member, "resident_id_index", None)
    return {
        "member_id": member.member_id,
        "household_id": household_id,
        "division": division,
        "person_index": bytes.fromhex(index) if index else None,
        "status": member.status,
        "health": member.health,
        "labour_capacity": member.labour_capacity,
    }


async def on_household_created(session: AsyncSession, event: Envelope) -> None:
    data = contracts.HouseholdCreatedV1.model_validate(event.data)
    head = next((member for member in data.members if member.relation == "head"), None)
    await repository.upsert_household(
        session,
        {
            "household_id": data.household_id,
            "division": data.division,
            "status": data.status,
            "head_name_masked": mask_name(head.name) if head else "",
            "head_id_masked": (head.resident_id_masked or "") if head else "",
            "main_cause": data.main_cause,
            "other_causes": list(data.other_causes),
            "member_count": data.member_count,
        },
    )
    await repository.upsert_members(
        session, [_member_row(data.household_id, data.division, member) for member in data.members]
    )
    if data.place:  # absent from events published before the registry carried places
        # Public notices name their village from these (identification keeps no tree of its own).
        await division_names.learn(session, data.place, event.time)


async def on_member_changed(session: AsyncSession, event: Envelope) -> None:
    model = contracts.MemberAddedV1 if event.type == contracts.MEMBER_ADDED else contracts.MemberLeftV1
    data = model.model_validate(event.data)
    await repository.upsert_members(session, [_member_row(data.household_id, data.division, data.member)])
    await repository.set_member_count(session, data.household_id, data.member_count)
    if event.type == contracts.MEMBER_ADDED:
        # A person with a confirmed exclusion who joins a household under review blocks its case too.
        await _carry_exclusions(session, data.household_id)


async def on_household_updated(session: AsyncSession, event: Envelope) -> None:
    """A corrected cause of poverty changes the support category suggested from it."""
    data = contracts.HouseholdUpdatedV1.model_validate(event.data)
    if data.main_cause is None:
        return  # published before updates carried the causes
    await repository.set_causes(session, data.household_id, data.main_cause, list(data.other_causes or []))


async def on_member_updated(session: AsyncSession, event: Envelope) -> None:
    """A member's health, labour capacity or relation changed: support categories, exit checks and
    monitoring read them here, and a new head (or a head's corrected name) is what notices show."""
    data = contracts.MemberUpdatedV1.model_validate(event.data)
    member = data.member
    if member is None:
        return  # published before updates carried the member: nothing here to apply
    await repository.upsert_members(session, [_member_row(data.household_id, data.division, member)])
    if member.relation == "head" and member.status == "active":
        await repository.set_head(
            session, data.household_id, mask_name(member.name), member.resident_id_masked
        )
    # A corrected resident ID may make a member the person of a confirmed exclusion.
    await _carry_exclusions(session, data.household_id)


async def _carry_exclusions(session: AsyncSession, household_id: uuid.UUID) -> None:
    ctx = Context(session, SYSTEM_ACTOR, await clock.now(session))
    await cases.carry_exclusions(ctx, household_id=household_id)


async def on_income(session: AsyncSession, event: Envelope) -> None:
    data = contracts.HouseholdIncomeRecordedV1.model_validate(event.data)
    await repository.upsert_income(session, data.household_id, data.year, data.per_capita_net_income)


# The registry's confirmation of a status closes the case whose announcement asked for it.
CONFIRMS: dict[str, tuple[workflow.State, workflow.Action]] = {
    "registered": (workflow.State.ANNOUNCED, workflow.Action.REGISTER),
    # A monitored household that had exited is not registered again: it returns to poverty.
    "returned": (workflow.State.ANNOUNCED, workflow.Action.REGISTER),
    "exited": (workflow.State.EXIT_ANNOUNCED, workflow.Action.MARK_EXITED),
}


# The statuses in which the registry has (re)registered a household as poor: 建档立卡, or its return to
# poverty (返贫) after an exit, which is a registration of that year too.
REGISTERING = frozenset({"registered", "returned"})
# The states in which a case waits for the registry to apply its announcement.
WAITING = frozenset({workflow.State.ANNOUNCED, workflow.State.EXIT_ANNOUNCED})


async def on_status_changed(session: AsyncSession, event: Envelope) -> None:
    data = contracts.HouseholdStatusChangedV1.model_validate(event.data)
    now = await clock.now(session)
    confirmed = CONFIRMS.get(data.to_status)
    closing = (
        await repository.cases_in_state(session, data.household_id, confirmed[0].value) if confirmed else []
    )
    values: dict[str, Any] = {"status": data.to_status, "status_changed_at": now}
    if data.to_status in REGISTERING:
        # The year the household became registered is the year of the registry's act (the event's time):
        # not the year its application named (which once let a backdated application register a household
        # "last year" and exit it this year), and not the year this consumer happens to see the event in
        # (a lag over New Year would block a legitimate exit the following year). A decision a county
        # recorded by hand carries its own day (a file registered before the platform existed).
        values["registered_year"] = (
            data.decided_on.year if data.decided_on is not None else clock.civil_year(event.time)
        )
    await repository.set_status(session, data.household_id, values)
    ctx = Context(session, SYSTEM_ACTOR, now)
    for case in closing:
        assert confirmed is not None  # closing is empty without a confirmation
        await cases.apply(ctx, case, confirmed[1], {"registry_event": str(event.id)})
    if data.to_status in REGISTERING:
        # Registered (or returned) as poor: a monitoring case still open ends, it is never cleared later.
        await cases.end_monitoring(
            ctx,
            data.household_id,
            cases.ENDED_BY_REGISTRY,
            {"registry_event": str(event.id), "household_status": data.to_status},
        )


async def on_decision_refused(session: AsyncSession, event: Envelope) -> None:
    """The registry did not apply an announcement (household.decision_refused). A case still waiting for
    it is settled: closed as the confirmation would close it when the registry already has the household
    as the case asked (registered or returned; exited), which answers 409 and emits no status event;
    otherwise moved to registry_refused / exit_registry_refused with the registry's reason, for the county
    to retry once the file is corrected. A case that moved on meanwhile (confirmed, refused already) is
    left alone, so a redelivered or late refusal changes nothing."""
    data = contracts.HouseholdDecisionRefusedV1.model_validate(event.data)
    case = await case_rows.get_case(session, data.case_id, *SYSTEM_ACTOR.subtree, lock=True)
    if case is None or case["household_id"] != data.household_id:
        return
    state = workflow.State(case["state"])
    if state not in WAITING:
        return
    ctx = Context(session, SYSTEM_ACTOR, await clock.now(session))
    detail = {
        "registry_event": str(event.id),
        "household_status": data.current_status,
        "problem_code": data.problem_code,
        "problem_detail": data.detail,
    }
    confirmed = CONFIRMS.get(data.current_status or "")
    if confirmed is not None and confirmed[0] is state:
        await cases.apply(ctx, case, confirmed[1], detail)
        return
    status = "unknown to the registry" if data.current_status is None else f"{data.current_status!r}"
    reason = (
        f"the registry refused the announced decision ({data.problem_code}; household {status}): "
        f"{data.detail}"
    )
    await cases.apply(ctx, case, workflow.Action.REGISTRY_REFUSE, detail, reason[:1000])


# Identification's own clear_risk closes its case (monitor_cleared) before the registry clears the status,
# so a case still `monitored` when the clearance arrives was cleared by a county officer's `clear` command.
CLEARED_BY_HAND = "the registry cleared the household's monitoring by hand (a county officer's correction)"
# Only a decided case says the household is monitored. A case still under way is a procedure of its own
# (one opened after identification's clear_risk, before the registry's clearance came back): it goes on.
DECIDED_MONITORING = frozenset({workflow.State.MONITORED})


async def on_monitoring_cleared(session: AsyncSession, event: Envelope) -> None:
    """Risk cleared: the household is back to what it was before monitoring; no case is confirmed by it.
    A clearance by hand ends the monitoring case that still has the household monitored, as a registration
    by hand does (on_status_changed), so that the services agree and a new monitoring case may open."""
    data = contracts.HouseholdStatusChangedV1.model_validate(event.data)
    now = await clock.now(session)
    await repository.set_status(
        session, data.household_id, {"status": data.to_status, "status_changed_at": now}
    )
    await cases.end_monitoring(
        Context(session, SYSTEM_ACTOR, now),
        data.household_id,
        f"{CLEARED_BY_HAND}: {data.reason}"[:1000],
        {"registry_event": str(event.id), "household_status": data.to_status},
        only_in=DECIDED_MONITORING,
    )


async def on_standard_set(session: AsyncSession, event: Envelope) -> None:
    """A poverty or monitoring line set in the registry: the exit and monitoring checks read it here."""
    await standards.record_set(session, contracts.StandardSetV1.model_validate(event.data))


async def on_evaluation_closed(session: AsyncSession, event: Envelope) -> None:
    """A third-party evaluation of a county closed (fupin.evaluation.events.v1): a county's exit is
    verified against one that passed all four veto rates with every sampled household surveyed. Kept
    whatever its verdict and however partial, so the last word on an evaluation is the one held; a
    redelivery changes nothing (the consumer's inbox, and the upsert keeps the latest closing)."""
    data = evaluation_contracts.EvaluationClosedV1.model_validate(event.data)
    verdicts = {rate.code: rate.verdict for rate in data.rates}
    unsurveyed = data.unsurveyed_households
    await division_exits.save_closed_evaluation(
        session,
        {
            "evaluation_id": data.evaluation_id,
            "division": data.division,
            "year": data.year,
            "verdict": data.verdict,
            "passed": division_exit_flow.evaluation_passes(data.verdict, verdicts, unsurveyed),
            "rates": [rate.model_dump(mode="json") for rate in data.rates],
            "unsurveyed_households": unsurveyed,
            "partial_reason": data.partial_reason,
            "closed_at": event.time,
            "event_id": str(event.id),
        },
    )


HANDLERS = {
    contracts.STANDARD_SET: on_standard_set,
    contracts.HOUSEHOLD_CREATED: on_household_created,
    contracts.MEMBER_ADDED: on_member_changed,
    contracts.MEMBER_REMOVED: on_member_changed,
    contracts.MEMBER_DECEASED: on_member_changed,
    contracts.MEMBER_UPDATED: on_member_updated,
    contracts.HOUSEHOLD_UPDATED: on_household_updated,
    contracts.HOUSEHOLD_INCOME_RECORDED: on_income,
    **{event_type: on_status_changed for event_type in contracts.STATUS_EVENT_TYPES.values()},
    contracts.HOUSEHOLD_MONITORING_CLEARED: on_monitoring_cleared,
    contracts.HOUSEHOLD_DECISION_REFUSED: on_decision_refused,
    evaluation_contracts.EVALUATION_CLOSED: on_evaluation_closed,
}
