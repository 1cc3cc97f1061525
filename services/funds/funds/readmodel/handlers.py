"""Handlers of fupin.registry.events.v1 (consumer group `funds`): the households payments go to, with their
status and head, and their members with status (active, left, deceased with the day), as the registry's
events describe them. The resident ID is kept only as the blind index the events may carry, never in
clear. Each runs in the consumer's transaction together with its inbox row; other types are skipped."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from funds.readmodel import repository
from fupin_contracts import registry as contracts
from fupin_kit.envelope import Envelope

# A household the registry creates starts at version 1 (HouseholdCreatedV1 carries no version).
FIRST_VERSION = 1
HEAD = "head"
# Set from the event's type, whatever the summary's status says: the type is the registry's decision.
DECEASED = "deceased"
LEFT = "left"


def _member_row(
    household_id: object,
    member: contracts.MemberSummaryV1,
    died_on: dt.date | None = None,
    status: str | None = None,
) -> dict[str, object]:
    return {
        "member_id": member.member_id,
        "household_id": household_id,
        "relation": member.relation,
        "status": status or member.status,
        "died_on": died_on,
        "resident_id_index": member.resident_id_index,
    }


async def on_household_created(session: AsyncSession, event: Envelope) -> None:
    data = contracts.HouseholdCreatedV1.model_validate(event.data)
    head = next((member for member in data.members if member.relation == HEAD), None)
    await repository.insert_household(
        session,
        {
            "household_id": data.household_id,
            "division": data.division,
            "status": data.status,
            "head_name": head.name if head else "",
            "version": FIRST_VERSION,
        },
    )
    for member in data.members:
        await repository.upsert_member(session, _member_row(data.household_id, member))


async def on_household_updated(session: AsyncSession, event: Envelope) -> None:
    data = contracts.HouseholdUpdatedV1.model_validate(event.data)
    await repository.apply_version(session, data.household_id, data.version, {})


async def on_status_changed(session: AsyncSession, event: Envelope) -> None:
    """registered, exited, returned, monitored and monitoring_cleared: the household's new status."""
    data = contracts.HouseholdStatusChangedV1.model_validate(event.data)
    await repository.apply_version(session, data.household_id, data.version, {"status": data.to_status})


async def on_member_added(session: AsyncSession, event: Envelope) -> None:
    data = contracts.MemberAddedV1.model_validate(event.data)
    await repository.upsert_member(session, _member_row(data.household_id, data.member))


async def on_member_left(session: AsyncSession, event: Envelope) -> None:
    """removed (moved or married out) or deceased: a death's effective_on is the day the member died."""
    data = contracts.MemberLeftV1.model_validate(event.data)
    if event.type == contracts.MEMBER_DECEASED:
        row = _member_row(data.household_id, data.member, data.effective_on, DECEASED)
    else:
        row = _member_row(data.household_id, data.member, None, LEFT)
    await repository.upsert_member(session, row)


async def on_member_updated(session: AsyncSession, event: Envelope) -> None:
    data = contracts.MemberUpdatedV1.model_validate(event.data)
    member = data.member
    if member is None:
        return  # published before updates carried the member
    known = await repository.member(session, member.member_id)
    died_on = None if known is None else known["died_on"]
    await repository.upsert_member(session, _member_row(data.household_id, member, died_on))
    if member.relation == HEAD and member.status == "active":
        await repository.set_head_name(session, data.household_id, member.name)


HANDLERS = {
    contracts.HOUSEHOLD_CREATED: on_household_created,
    contracts.HOUSEHOLD_UPDATED: on_household_updated,
    **{event_type: on_status_changed for event_type in contracts.STATUS_EVENT_TYPES.values()},
    contracts.HOUSEHOLD_MONITORING_CLEARED: on_status_changed,
    contracts.MEMBER_ADDED: on_member_added,
    contracts.MEMBER_REMOVED: on_member_left,
    contracts.MEMBER_DECEASED: on_member_left,
    contracts.MEMBER_UPDATED: on_member_updated,
}
