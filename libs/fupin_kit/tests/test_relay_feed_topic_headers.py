"""A record on a provincial feed topic (fupin.feed.<pp>.v1), read by systems outside the platform, carries
no trace context: before, the relay put its publish span's traceparent on it, an internal trace id. A
record on an internal topic keeps traceparent, so a consumer's span still joins the producer's trace.

The outbox is real PostgreSQL; the producer is a stand-in that keeps each record's headers."""

from __future__ import annotations

import asyncio
from typing import Any

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from fupin_kit.db import create_engine, create_sessionmaker
from fupin_kit.envelope import domain_topic, feed_topic, new_event
from fupin_kit.outbox import record_event
from fupin_kit.relay import OutboxRelay
from fupin_kit.telemetry import setup_tracing, tracer

TRACE_CONTEXT = {"traceparent", "tracestate", "baggage"}


class RecordingProducer:
    """Acknowledges every send at once and keeps its topic and header names."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, set[str]]] = []

    async def send(self, topic: str, headers: list[tuple[str, bytes]], **_: Any) -> asyncio.Future[Any]:
        self.sent.append((topic, {key for key, _ in headers}))
        acknowledged: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        acknowledged.set_result(None)
        return acknowledged


def _event(item: str) -> Any:
    return new_event(
        service="sample",
        type="fupin.sample.item.created.v1",
        aggregate="item",
        aggregate_id=item,
        division="520102016001",
        data={},
    )


async def test_feed_topic_records_carry_no_trace_context_and_internal_ones_do(fupin_stack) -> None:
    setup_tracing("relay-feed-headers-test", extra_processors=[SimpleSpanProcessor(InMemorySpanExporter())])
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    settings = fupin_stack.settings("sample_producer", database, role="worker")
    engine = create_engine(settings)
    producer = RecordingProducer()
    internal, external = domain_topic("sample"), feed_topic("52")
    try:
        sessionmaker = create_sessionmaker(engine)
        # Written inside a trace, as the feed router writes its copies while it processes a domain event.
        with tracer("relay-feed-headers-test").start_as_current_span("process"):
            async with sessionmaker() as session, session.begin():
                await record_event(session, _event("item-1"), topic=internal)
                await record_event(session, _event("item-2"), topic=external)
        await OutboxRelay(settings, engine, sessionmaker, producer=producer).publish_once()
    finally:
        await engine.dispose()
    headers = dict(producer.sent)
    assert set(headers) == {internal, external}
    assert "traceparent" in headers[internal]
    assert not headers[external] & TRACE_CONTEXT
