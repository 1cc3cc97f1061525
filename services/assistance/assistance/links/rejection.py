"""A project the county rejects lifts no household: its current links end when the read model learns of the
rejection, in the consumer's transaction with the inbox row, and each ending is published as an officer's
would be. The actor is the service itself (the consumer); the event's `causationid` names funds' rejection,
whose own actor is the county officer who rejected it."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from assistance import events
from assistance.context import SYSTEM_ACTOR
from assistance.links import repository
from fupin_kit import civil_time
from fupin_kit.envelope import Envelope
from fupin_kit.outbox import record_changes

REJECTED_REASON = "项目未通过审批"


async def end_links(session: AsyncSession, project_id: uuid.UUID, rejection: Envelope) -> None:
    # The rejection's day as the county's officers live it: China's calendar day of the event's instant.
    day = rejection.time.astimezone(civil_time.CHINA).date()
    ended = await repository.end_current_of_project(
        session, project_id, day, REJECTED_REASON, SYSTEM_ACTOR.subject
    )
    if ended:
        await record_changes(session, [events.link_ended(link, SYSTEM_ACTOR) for link in ended])
