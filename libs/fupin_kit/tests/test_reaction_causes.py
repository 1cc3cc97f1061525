"""An event written while a consumer applies another names it: `causationid` is the cause's id and
`correlationid` the cause's correlation (or its id when it has none), in batch mode and one by one, unless
the builder names them itself. Before, only the registry's reactions to identification decisions set them
(by hand); identification's reactions to registry events carried neither, so a consumer could not tell a
`case.registered` from the registration that caused it (QA7 arch-contracts AC-1). Real broker and
PostgreSQL."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.consumer import ConsumerLoop, ConsumerSpec
from fupin_kit.db import create_engine, create_sessionmaker
from fupin_kit.envelope import Envelope, dlq_topic, new_event
from fupin_kit.kafka import make_producer

DEADLINE_S = 60.0
TYPE = "fupin.sample.item.created.v1"
REACTION = "fupin.sample.item.noted.v1"
EXPLICIT = "c0ffee00-0000-4000-8000-00000000beef"


def _reaction(cause_named: bool) -> Envelope:
    return new_event(
        service="sample",
        type=REACTION,
        aggregate="item",
        aggregate_id=uuid.uuid4().hex,
        division="520102016001",
        data={},
        causation_id=EXPLICIT if cause_named else None,
    )


async def _react(session: AsyncSession, event: Envelope) -> None:
    reaction = _reaction(bool(event.data.get("names_its_cause")))
    await session.execute(
        text("INSERT INTO reactions (cause, causation, correlation) VALUES (:c, :x, :r)"),
        {"c": str(event.id), "x": reaction.causationid, "r": reaction.correlationid},
    )


@pytest.mark.parametrize("batch", [True, False])
async def test_a_reaction_names_the_event_it_answers(fupin_stack, batch: bool) -> None:
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_consumer")
    settings = fupin_stack.settings("sample_consumer", database, role="worker")
    topic, group = f"fupin.causes-{uuid.uuid4().hex[:8]}.v1", f"causes-{uuid.uuid4().hex[:8]}"
    await fupin_stack.topics({topic: 1, dlq_topic(group): 1})
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            text("CREATE TABLE reactions (cause text PRIMARY KEY, causation text, correlation text)")
        )

    def event(correlation: str | None, names_its_cause: bool = False) -> Envelope:
        return new_event(
            service="sample",
            type=TYPE,
            aggregate="item",
            aggregate_id=uuid.uuid4().hex,
            division="520102016001",
            data={"names_its_cause": names_its_cause},
            correlation_id=correlation,
        )

    correlated, uncorrelated, named = event("flow-1"), event(None), event("flow-2", names_its_cause=True)
    producer = make_producer(settings)
    await producer.start()
    try:
        for sent in (correlated, uncorrelated, named):
            await producer.send_and_wait(topic, value=sent.to_bytes(), key=sent.aggregate_id.encode())
    finally:
        await producer.stop()

    loop = ConsumerLoop(
        settings,
        ConsumerSpec(group_id=group, topics=[topic], handlers={TYPE: _react}, batch=batch),
        sessionmaker,
    )
    task = asyncio.create_task(loop.run())
    try:
        deadline = time.monotonic() + DEADLINE_S
        while loop.stats.handled < 3:
            assert time.monotonic() < deadline, loop.stats
            assert not task.done(), task
            await asyncio.sleep(0.2)
        async with sessionmaker() as session:
            rows = {row.cause: row for row in await session.execute(text("SELECT * FROM reactions"))}
    finally:
        await loop.stop()
        await asyncio.wait_for(task, 30)
        await engine.dispose()
    assert (rows[str(correlated.id)].causation, rows[str(correlated.id)].correlation) == (
        str(correlated.id),
        "flow-1",
    )
    assert (rows[str(uncorrelated.id)].causation, rows[str(uncorrelated.id)].correlation) == (
        str(uncorrelated.id),
        str(uncorrelated.id),
    )
    # A builder that names its cause keeps it; the correlation still comes from the event being applied.
    assert (rows[str(named.id)].causation, rows[str(named.id)].correlation) == (EXPLICIT, "flow-2")
    # Outside a handler (and a request) nothing is made up.
    outside = _reaction(False)
    assert outside.causationid is None and outside.correlationid is None
