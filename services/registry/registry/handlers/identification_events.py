"""Handlers of fupin.identification.events.v1: an announced decision (or a cleared monitoring risk)
becomes the household's status.

Identification announces (公告) a registration, an exit or a monitoring decision; the registry, owner of
the status, applies it through its own status-change use case, so the history row and the registry's own
event are written exactly as for a county officer's command. The consumer's inbox makes a redelivery a
no-op; a household already in the target state (e.g. changed by hand) is skipped rather than retried."""

from __future__ import annotations

import logging
import uuid
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_contracts import identification as contracts
from fupin_kit import divisions
from fupin_kit.auth.actor import Actor
from fupin_kit.envelope import Envelope
from fupin_kit.pii import PiiCipher
from fupin_kit.problems import ProblemError
from fupin_kit.settings import KitSettings
from registry.households import service
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


async def on_decision(session: AsyncSession, event: Envelope) -> None:
    data = contracts.CaseTransitionedV1.model_validate(event.data)
    action = ACTIONS[event.type]
    ctx = service.Context(
        session=session, actor=_county_actor(data.division, event), cipher=_cipher(), cause=event
    )
    verb = "risk cleared" if action is StatusAction.CLEAR else "announced"
    command = StatusCommand(action=action, reason=f"identification case {data.case_id} {verb} ({data.year})")
    household_id = uuid.UUID(str(data.household_id))
    try:
        await service.change_status(ctx, household_id, command)
    except ProblemError as exc:
        fallback = POOR_AGAIN.get(action)
        if exc.status == 409 and fallback is not None:
            # A refused transition changed nothing, so the other one can be tried in the same transaction.
            retry = StatusCommand(action=fallback, reason=command.reason)
            try:
                await service.change_status(ctx, household_id, retry)
                return
            except ProblemError as again:
                exc = again
        if exc.status in (404, 409):
            log.warning(
                "identification decision %s for %s not applied: %s", event.type, data.household_id, exc
            )
            return
        raise


HANDLERS = {event_type: on_decision for event_type in ACTIONS}
