"""Kafka transactions are a setting (architecture.md §4: "make them settings, on for Apache Kafka"):
`kafka_transactions` gives the relay a transactional producer (each batch one transaction) and consumers
read committed records only. This broker (Tansu) rejects InitProducerId, which shows on the real broker
that the setting takes effect, and that a relay that cannot open its transaction loses nothing: its rows
stay unpublished, to be sent once the setting matches the broker. Before, only idempotence was a setting
and README said both were (QA7 arch-contracts AC-4)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from fupin_kit.db import create_engine, create_sessionmaker
from fupin_kit.envelope import new_event
from fupin_kit.kafka import make_consumer, make_producer
from fupin_kit.outbox import record_event
from fupin_kit.relay import OutboxRelay


async def test_the_setting_chooses_a_transactional_relay_producer_and_committed_reads(fupin_stack) -> None:
    on = fupin_stack.settings("sample_producer", "unused", role="worker").model_copy(
        update={"kafka_transactions": True}
    )
    off = on.model_copy(update={"kafka_transactions": False})
    assert make_producer(on, transactional_id="fupin-sample-relay")._txn_manager is not None
    assert make_producer(on)._txn_manager is None  # only the relay names a transactional id
    assert make_producer(off, transactional_id="fupin-sample-relay")._txn_manager is None
    assert make_consumer(on, "g", ["t"])._isolation_level == "read_committed"
    assert make_consumer(off, "g", ["t"])._isolation_level == "read_uncommitted"


async def test_a_relay_whose_transactions_the_broker_refuses_keeps_its_rows(fupin_stack) -> None:
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    settings = fupin_stack.settings("sample_producer", database, role="worker").model_copy(
        update={"kafka_transactions": True, "kafka_request_timeout_s": 5.0}
    )
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with sessionmaker() as session, session.begin():
            await record_event(
                session,
                new_event(
                    service="sample",
                    type="fupin.sample.item.created.v1",
                    aggregate="item",
                    aggregate_id="item-1",
                    division="520102016001",
                    data={},
                ),
            )
        relay = OutboxRelay(settings, engine, sessionmaker)
        try:
            await asyncio.wait_for(relay.publish_once(), 60)
            published = True
        except Exception:  # InitProducerId refused by this broker: the producer never starts
            published = False
        finally:
            await relay.stop()
            await relay._close_producer()
        assert not published
        async with sessionmaker() as session:
            unpublished = (
                await session.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
            ).scalar_one()
        assert unpublished == 1
    finally:
        await engine.dispose()
