"""A consumer says how far behind it is (ConsumerLoop.backlog, shown by /readyz and `fupin status`): the
records on its partitions it has not handled yet. Three testers of a running platform watched a service
fall tens of thousands of events behind a county's import while `fupin status` showed nothing (QA8).
Real broker, real PostgreSQL."""

from __future__ import annotations

import asyncio
import time
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.consumer import ConsumerLoop, ConsumerSpec
from fupin_kit.db import create_engine, create_sessionmaker
from fupin_kit.envelope import Envelope, dlq_topic, new_event
from fupin_kit.kafka import make_producer

DEADLINE_S = 60.0
TYPE = "fupin.sample.item.created.v1"
EVENTS = 1200
HELD_FROM = 600  # the handler waits at this event until the test lets it go on


def _event(number: int) -> Envelope:
    return new_event(
        service="sample",
        type=TYPE,
        aggregate="item",
        aggregate_id=uuid.uuid4().hex,
        division="520102016001",
        data={"n": number},
    )


async def _until(condition: object, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not await condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


async def test_the_backlog_counts_the_records_not_handled_yet(fupin_stack):
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_backlog")
    settings = fupin_stack.settings("sample_backlog", database, role="worker")
    topic, group = f"fupin.backlog-{uuid.uuid4().hex[:8]}.v1", f"backlog-{uuid.uuid4().hex[:8]}"
    await fupin_stack.topics({topic: 1, dlq_topic(group): 1})
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    go_on = asyncio.Event()
    reached: list[int] = []

    async def handle(session: AsyncSession, event: Envelope) -> None:
        if event.data["n"] >= HELD_FROM:
            reached.append(event.data["n"])
            await go_on.wait()

    producer = make_producer(settings)
    await producer.start()
    try:
        for number in range(EVENTS):
            event = _event(number)
            await producer.send(topic, value=event.to_bytes(), key=event.aggregate_id.encode())
        await producer.flush()
    finally:
        await producer.stop()

    loop = ConsumerLoop(
        settings, ConsumerSpec(group_id=group, topics=[topic], handlers={TYPE: handle}), sessionmaker
    )
    task = asyncio.create_task(loop.run())
    try:

        async def held() -> bool:
            return bool(reached)

        await _until(held, "the consumer never reached the held event")
        # A poll holds at most 500 records, so the held one is in a later poll than the first: every
        # record not handled yet counts, and the polls handled before do not.
        backlog = await loop.backlog()
        assert backlog is not None and EVENTS - HELD_FROM <= backlog < EVENTS, backlog
        go_on.set()

        async def caught_up() -> bool:
            return loop.stats.handled == EVENTS and await loop.backlog() == 0

        await _until(caught_up, "the backlog never came back to 0")
    finally:
        go_on.set()
        await loop.stop()
        await asyncio.wait_for(task, 30)
        await engine.dispose()
