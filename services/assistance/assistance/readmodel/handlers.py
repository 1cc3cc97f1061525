"""Handlers of fupin.registry.events.v1 (consumer group `assistance`): the households a helper may be
assigned to, as the registry's household events describe them, with the member count and head the member
events change, and each member's name and status (a loan's borrower is an active member). Each runs in
the consumer's transaction together with its inbox row; other types are skipped."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from assistance.readmodel import repository
from fupin_contracts import registry as contracts
from fupin_kit.envelope import Envelope

# A household the registry creates starts at version 1 (HouseholdCreatedV1 carries no version).
FIRST_VERSION = 1


def _member(household_id: uuid.UUID, member: contracts.MemberSummaryV1) -> repository.Row:
    return {
        "member_id": member.member_id,
        "household_id": household_id,
        "name": member.name,
        "status": member.status,
    }


async def on_household_created(session: AsyncSession, event: Envelope) -> None:
    data = contracts.HouseholdCreatedV1.model_validate(event.data)
    head = next((member for member in data.members if member.relation == "head"), None)
    await repository.insert_household(
        session,
        {
            "household_id": data.household_id,
            "division": data.division,
            "status": data.status,
            "head_name": head.name if head else "",
            "member_count": data.member_count,
            "version": FIRST_VERSION,
        },
    )
    await repository.upsert_members(session, [_member(data.household_id, member) for member in data.members])


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
    await repository.upsert_members(session, [_member(data.household_id, data.member)])


async def on_member_updated(session: AsyncSession, event: Envelope) -> None:
    """A new head, or a head's corrected name, is what the lists show."""
    data = contracts.MemberUpdatedV1.model_validate(event.data)
    member = data.member
    if member is not None:
        await repository.upsert_members(session, [_member(data.household_id, member)])
    if member is None or member.relation != "head" or member.status != "active":
        return  # published before updates carried the member, or not the head
    await repository.set_values(session, data.household_id, {"head_name": member.name})


HANDLERS = {
    contracts.HOUSEHOLD_CREATED: on_household_created,
    contracts.HOUSEHOLD_UPDATED: on_household_updated,
    **{event_type: on_status_changed for event_type in contracts.STATUS_EVENT_TYPES.values()},
    contracts.HOUSEHOLD_MONITORING_CLEARED: on_status_changed,
    contracts.MEMBER_ADDED: on_member_changed,
    contracts.MEMBER_REMOVED: on_member_changed,
    contracts.MEMBER_DECEASED: on_member_changed,
    contracts.MEMBER_UPDATED: on_member_updated,
}
