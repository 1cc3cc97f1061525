"""Handlers of fupin.registry.events.v1 (consumer group `evaluation`): the households a sample is drawn
from, as the registry's household events describe them (village, status, member count). Each runs in the
consumer's transaction together with its inbox row; other types are skipped."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from evaluation.readmodel import repository
from fupin_contracts import registry as contracts
from fupin_kit.envelope import Envelope

# A household the registry creates starts at version 1 (HouseholdCreatedV1 carries no version).
FIRST_VERSION = 1


async def on_household_created(session: AsyncSession, event: Envelope) -> None:
    data = contracts.HouseholdCreatedV1.model_validate(event.data)
    await repository.insert_household(
        session,
        {
            "household_id": data.household_id,
            "division": data.division,
            "status": data.status,
            "member_count": data.member_count,
            "version": FIRST_VERSION,
        },
    )


async def on_household_updated(session: AsyncSession, event: Envelope) -> None:
    data = contracts.HouseholdUpdatedV1.model_validate(event.data)
    await repository.apply_version(session, data.household_id, data.version, {})


async def on_status_changed(session: AsyncSession, event: Envelope) -> None:
    """registered, exited, returned, monitored and monitoring_cleared: the household's new status."""
    data = contracts.HouseholdStatusChangedV1.model_validate(event.data)
    await repository.apply_version(session, data.household_id, data.version, {"status": data.to_status})


async def on_member_changed(session: AsyncSession, event: Envelope) -> None:
    model = contracts.MemberAddedV1 if event.type == contracts.MEMBER_ADDED else contracts.MemberLeftV1
    data = model.model_validate(event.data)
    await repository.set_values(session, data.household_id, {"member_count": data.member_count})


HANDLERS = {
    contracts.HOUSEHOLD_CREATED: on_household_created,
    contracts.HOUSEHOLD_UPDATED: on_household_updated,
    **{event_type: on_status_changed for event_type in contracts.STATUS_EVENT_TYPES.values()},
    contracts.HOUSEHOLD_MONITORING_CLEARED: on_status_changed,
    contracts.MEMBER_ADDED: on_member_changed,
    contracts.MEMBER_REMOVED: on_member_changed,
    contracts.MEMBER_DECEASED: on_member_changed,
}
