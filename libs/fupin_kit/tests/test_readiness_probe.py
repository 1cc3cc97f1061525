"""Concurrent readiness checks share one broker probe (QA s17: every start-up logged "Unclosed
AIOKafkaProducer" and "Task was destroyed but it is pending!" from the registry, whose readiness is polled
by `fupin up` and the gateway at once: each first call started a probe client and all but one were dropped
running). Real broker."""

from __future__ import annotations

import asyncio
import gc
import logging
from types import SimpleNamespace

from fupin_kit import health
from fupin_kit.kafka import make_producer


async def test_concurrent_first_checks_start_one_probe(fupin_stack, monkeypatch, caplog):
    settings = fupin_stack.settings("probe_check", "unused_database")
    made = []

    def counting_producer(*args, **kwargs):
        producer = make_producer(*args, **kwargs)
        made.append(producer)
        return producer

    monkeypatch.setattr(health, "make_producer", counting_producer)
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(settings=settings)))
    caplog.set_level(logging.ERROR, logger="asyncio")
    try:
        answers = await asyncio.gather(*(health._broker_ok(request) for _ in range(5)))  # type: ignore[arg-type]
        assert answers == [True] * 5
        assert len(made) == 1, f"{len(made)} probe clients started for one process"
        assert request.app.state.broker_probe is made[0]
    finally:
        for producer in made:
            await producer.stop()
    gc.collect()
    await asyncio.sleep(0)
    assert not [record for record in caplog.records if "Unclosed AIOKafkaProducer" in record.getMessage()]
