"""Handlers of fupin.identification.events.v1: an announced decision (or a cleared monitoring risk)
becomes the household's status.

Identification announces (公告) a registration, an exit or a monitoring decision; the registry, owner of
the status, applies it through its own status-change use case, so the history row and the registry's own
event are written exactly as for a county officer's command. The consumer's inbox makes a redelivery a
no-op. An identification or exit announcement the registry refuses (the household is unknown, or its
status does not allow the change: changed by hand meanwhile, or already what the case asked for) is not
retried: the registry answers it with household.decision_refused in the same transaction, so that
identification settles the case waiting for a confirmation that will never come. A refused monitoring
decision is only logged."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_contracts import identification as contracts
from fupin_contracts import registry as registry_contracts
from fupin_kit import divisions
from fupin_kit.auth.actor import Actor
from fupin_kit.envelope import Envelope
from fupin_kit.outbox import record_change
from fupin_kit.pii import PiiCipher
from fupin_kit.problems import ProblemError
from fupin_kit.settings import KitSettings
from registry.households import events, repository, service
from registry.households.schemas import StatusCommand
from registry.households.workflow import StatusAction

log = logging.getLogger(__name__)
# Identification clears a monitored household's risk (clear_risk, after its six-month and income checks);
# the registry restores the status the household had before monitoring (workflow.MONITORED_EXITS).
MONITORING_CLEARED = contracts.event_type("monitoring", "clear_risk")
ACTIONS: dict[str, StatusAction] = {
    contracts.CASE_ANNOUNCED: StatusAction.REGISTER,
    contracts.EXIT_ANNOUNCED: StatusAction.EXIT,
    contracts.MONITORING_DECIDED: StatusAction.MONITOR,
    MONITORING_CLEARED: StatusAction.CLEAR,
}


@lru_cache(maxsize=1)
def _cipher() -> PiiCipher:
    return KitSettings().pii_cipher()


def _county_actor(division: str, event: Envelope) -> Actor:
    """The decision is the county's (县级审定); the change is recorded as the county acting via the event."""
    county = divisions.prefix(division)[:6].ljust(12, "0")
    return Actor(
        subject=f"identification:{event.actorid or 'system'}",
        tier="county",
        division=county,
        roles=frozenset({service.STATUS_ROLE}),
        kind="system",
    )


# An announced identification makes the household poor: registered, or, for a household that had exited
# (a monitored 脱贫不稳定户 identified as poor again), returned to poverty (返贫): never registered twice.
POOR_AGAIN = {StatusAction.REGISTER: StatusAction.RETURN}
# The decisions whose refusal the registry announces (household.decision_refused): identification waits
# for the registry's answer to close their cases. Monitoring decisions are left as they were (logged).
ANSWERED: frozenset[str] = frozenset({contracts.CASE_ANNOUNCED, contracts.EXIT_ANNOUNCED})


async def on_decision(session: AsyncSession, event: Envelope) -> None:
    data = contracts.CaseTransitionedV1.model_validate(event.data)
    action = ACTIONS[event.type]
    ctx = service.Context(session=session, actor=_county_actor(data.division, event), cipher=_cipher())
    verb = "risk cleared" if action is StatusAction.CLEAR else "announced"
    command = StatusCommand(action=action, reason=f"identification case {data.case_id} {verb} ({data.year})")
    household_id = uuid.UUID(str(data.household_id))
    try:
        # A monitoring case's `discovery` goes on with its decision: the feeds above the county withhold
        # the registry's event of a warning a department's pushed list opened, as they do the case's own.
        await service.change_status(ctx, household_id, command, discovery=data.discovery)
    except ProblemError as exc:
        refused = exc  # what the registry answered to the decision's own action
        fallback = POOR_AGAIN.get(action)
        if exc.status == 409 and fallback is not None:
            # A refused transition changed nothing, so the other one can be tried in the same transaction.
            retry = StatusCommand(action=fallback, reason=command.reason)
            try:
                await service.change_status(ctx, household_id, retry, discovery=data.discovery)
                return
            except ProblemError as again:
                exc = again
        if exc.status in (404, 409):
            log.warning(
                "identification decision %s for %s not applied: %s", event.type, data.household_id, exc
            )
            if event.type in ANSWERED:
                await _refused(ctx, event, data, action, refused)
            return
        raise


async def _refused(
    ctx: service.Context,
    event: Envelope,
    data: contracts.CaseTransitionedV1,
    action: StatusAction,
    problem: ProblemError,
) -> None:
    """Stage household.decision_refused, caused by the decision, with the household's status now (None
    when the registry has no such household in the county): nothing else changes."""
    household_id = uuid.UUID(str(data.household_id))
    household = await repository.get_household(ctx.session, household_id, *ctx.actor.subtree)
    division = data.division if household is None else str(household["division"])
    code = problem.extensions.get("code") or problem.kind or str(problem.status)
    payload = registry_contracts.HouseholdDecisionRefusedV1(
        household_id=household_id,
        division=division,
        case_id=data.case_id,
        action=action.value,
        decision_type=event.type,
        current_status=None if household is None else str(household["status"]),
        problem_code=str(code),
        detail=problem.detail or problem.title,
        decided_at=event.time,
        refused_at=dt.datetime.now(dt.UTC),
    )
    await record_change(
        ctx.session,
        events.household_event(
            registry_contracts.HOUSEHOLD_DECISION_REFUSED,
            household_id,
            division,
            payload,
            ctx.actor,
        ),
    )


HANDLERS = {event_type: on_decision for event_type in ACTIONS}
