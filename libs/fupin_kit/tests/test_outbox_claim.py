"""The relay's claim: rows come back in seq order, stamped published only inside the claiming transaction,
with the payload as stored JSON text and the CloudEvents attributes its headers need; a failed send's rows
are unstamped again with the attempt counted; rows a concurrent claim holds are skipped."""

from __future__ import annotations

import uuid

import orjson
from sqlalchemy import select

from fupin_kit import outbox_repository
from fupin_kit.db import create_engine, create_sessionmaker
from fupin_kit.envelope import Envelope, new_event
from fupin_kit.infra_tables import outbox
from fupin_kit.outbox import record_events

TOPIC = "fupin.sample.events.v1"
VILLAGE = "520102016001"


def _events(count: int) -> list[Envelope]:
    return [
        new_event(
            service="sample",
            type="fupin.sample.item.created.v1",
            aggregate="item",
            aggregate_id=str(uuid.uuid4()),
            division=VILLAGE,
            data={"name": f"item {index}", "price": 3.14159265358979},
        )
        for index in range(count)
    ]


async def test_claim_stamps_in_seq_order_and_unmark_takes_back(fupin_stack):
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    engine = create_engine(fupin_stack.settings("sample_producer", database))
    sessionmaker = create_sessionmaker(engine)
    try:
        events = _events(5)
        async with sessionmaker() as session, session.begin():
            await record_events(session, events, TOPIC)

        async with sessionmaker() as first, first.begin():
            claimed = await outbox_repository.claim_for_publish(first, 3)
            assert [event.seq for event in claimed] == sorted(event.seq for event in claimed)
            assert [event.id for event in claimed] == [event.id for event in events[:3]]
            head = claimed[0]
            payload = orjson.loads(head.payload)
            assert payload["id"] == str(events[0].id) == head.ce_id
            assert payload["data"]["price"] == 3.14159265358979
            assert head.ce_type == "fupin.sample.item.created.v1"
            assert head.ce_source == "/fupin/sample" and head.ce_division == VILLAGE
            assert head.ce_subject == payload["subject"] and head.key == events[0].aggregate_id
            assert orjson.loads(head.trace_context) == {}  # written outside any trace

            # A second relay (a handover) skips the rows this one holds and takes the next ones.
            async with sessionmaker() as second, second.begin():
                rest = await outbox_repository.claim_for_publish(second, 10)
                assert [event.id for event in rest] == [event.id for event in events[3:]]
                await second.rollback()

            # The last claimed row's send failed: unstamped, attempt and error recorded.
            await outbox_repository.unmark_failed(first, [claimed[2].id], "KafkaTimeoutError: boom")

        async with sessionmaker() as session:
            rows = {
                row.id: row
                for row in await session.execute(
                    select(outbox.c.id, outbox.c.published_at, outbox.c.attempts, outbox.c.last_error)
                )
            }
        assert rows[events[0].id].published_at is not None and rows[events[1].id].published_at is not None
        failed = rows[events[2].id]
        assert failed.published_at is None and failed.attempts == 1 and failed.last_error.startswith("Kafka")
        # Rolled back: the second claim left its rows unpublished.
        assert all(rows[event.id].published_at is None for event in events[3:])
    finally:
        await engine.dispose()
