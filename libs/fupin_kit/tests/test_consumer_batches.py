"""A consumer in batch mode (ConsumerSpec.batch, the gateway's feed router) applies a poll's events in one
transaction: each event has its effect once, a duplicate in the same poll is absorbed by the inbox, and a
poll holding a poison event falls back to one transaction per event, so the poison alone goes to the DLQ
and no effect of its batch is lost or doubled (QA6 events-feeds §3: one commit per event made the feed
router trail a 10,000-row import by minutes). Real broker, real PostgreSQL."""

from __future__ import annotations

import asyncio
import time
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.consumer import ConsumerLoop, ConsumerSpec
from fupin_kit.db import create_engine, create_sessionmaker
from fupin_kit.envelope import Envelope, dlq_topic, new_event
from fupin_kit.kafka import make_producer

DEADLINE_S = 60.0
TYPE = "fupin.sample.item.created.v1"


def _event(poison: bool = False) -> Envelope:
    return new_event(
        service="sample",
        type=TYPE,
        aggregate="item",
        aggregate_id=uuid.uuid4().hex,
        division="520102016001",
        data={"poison": poison},
    )


async def _apply(session: AsyncSession, event: Envelope) -> None:
    if event.data.get("poison"):
        raise ValueError("a poison event")
    await session.execute(text("INSERT INTO batch_effects (event_id) VALUES (:id)"), {"id": event.id})


async def test_a_batch_applies_each_event_once_and_a_poison_alone_reaches_the_dlq(fupin_stack):
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_consumer")
    settings = fupin_stack.settings("sample_consumer", database, role="worker")
    topic, group = f"fupin.batch-{uuid.uuid4().hex[:8]}.v1", f"batch-{uuid.uuid4().hex[:8]}"
    await fupin_stack.topics({topic: 1, dlq_topic(group): 1})
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        await session.execute(text("CREATE TABLE batch_effects (event_id uuid PRIMARY KEY)"))

    good = [_event() for _ in range(40)]
    poison = _event(poison=True)
    # Published before the consumer starts, so that its first polls hold many events, the poison and a
    # duplicate among them.
    producer = make_producer(settings)
    await producer.start()
    try:
        for event in [*good[:20], poison, good[3], *good[20:]]:
            await producer.send_and_wait(topic, value=event.to_bytes(), key=event.aggregate_id.encode())
    finally:
        await producer.stop()

    loop = ConsumerLoop(
        settings,
        ConsumerSpec(group_id=group, topics=[topic], handlers={TYPE: _apply}, batch=True),
        sessionmaker,
    )
    task = asyncio.create_task(loop.run())
    try:
        deadline = time.monotonic() + DEADLINE_S
        while loop.stats.handled + loop.stats.dead_lettered < len(good) + 1:
            assert time.monotonic() < deadline, loop.stats
            assert not task.done(), task
            await asyncio.sleep(0.2)
        async with sessionmaker() as session:
            effects = set((await session.execute(text("SELECT event_id FROM batch_effects"))).scalars())
        assert effects == {event.id for event in good}
        assert loop.stats.dead_lettered == 1 and loop.stats.duplicates == 1
        assert loop.stats.handled == len(good)
    finally:
        await loop.stop()
        await asyncio.wait_for(task, 30)
        await engine.dispose()
