"""Writing events: an outbox row in the same transaction as the business change.

A domain service records its changes with `record_changes` / `record_change`: the events staged and each
one audited in the service's hash-chained log in the same transaction (architecture.md §6). `record_events`
stages events alone: for what is not a change of the service's own (the gateway's feed copies, the sample
aggregate that proves the delivery guarantees).
"""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.audit.changes import stage_changes
from fupin_kit.envelope import Envelope, domain_topic
from fupin_kit.infra_tables import OUTBOX_CHANNEL, outbox
from fupin_kit.telemetry import current_trace_headers


def _row(event: Envelope, topic: str) -> dict[str, object]:
    return {
        "id": event.id,
        "aggregatetype": event.aggregate_type,
        "aggregateid": event.aggregate_id,
        "type": event.type,
        "payload": event.model_dump(mode="json", exclude_none=True),
        "topic": topic,
        "division": event.division,
        "headers": current_trace_headers(),
    }


async def record_events(session: AsyncSession, events: list[Envelope], topic: str | None = None) -> None:
    """Stage events for publication. They become visible to the relay only when the caller commits,
    together with the change they describe; NOTIFY is likewise delivered only on commit."""
    if not events:
        return
    rows = [_row(event, topic or domain_topic(event.source.rsplit("/", 1)[-1])) for event in events]
    await session.execute(insert(outbox), rows)
    await session.execute(select(func.pg_notify(OUTBOX_CHANNEL, "")))


async def record_event(session: AsyncSession, event: Envelope, topic: str | None = None) -> None:
    await record_events(session, [event], topic)


async def record_changes(session: AsyncSession, events: list[Envelope], topic: str | None = None) -> None:
    """Stage the events of a change, and an audit entry for each, appended to the service's chain as the
    caller's transaction commits (fupin_kit.audit.changes)."""
    await record_events(session, events, topic)
    stage_changes(session, events)


async def record_change(session: AsyncSession, event: Envelope, topic: str | None = None) -> None:
    await record_changes(session, [event], topic)
