"""The relay's publish span says whether the broker took the batch: it ends when every send of its events
was acknowledged (or failed), and a send the broker refused or never acknowledged marks it as an error.
Before, the span ended as soon as the sends were queued, so a trace showed a good publish even when the
delivery failed and the rows went back to the outbox.

The outbox is real PostgreSQL; the producer is a stand-in whose acknowledgements the test decides, since
the broker cannot be made to refuse one acknowledgement on cue."""

from __future__ import annotations

import asyncio
from typing import Any

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import text

from fupin_kit.db import create_engine, create_sessionmaker
from fupin_kit.envelope import new_event
from fupin_kit.outbox import record_event
from fupin_kit.relay import OutboxRelay
from fupin_kit.telemetry import setup_tracing

ACK_DELAY_S = 0.2


class AckingProducer:
    """Queues each send at once and acknowledges it ACK_DELAY_S later, with `outcome` (an exception: the
    broker refused it)."""

    def __init__(self, outcome: BaseException | None) -> None:
        self.outcome = outcome

    async def send(self, topic: str, **_: Any) -> asyncio.Future[Any]:
        acknowledged: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def settle() -> None:
            if self.outcome is None:
                acknowledged.set_result(None)
            else:
                acknowledged.set_exception(self.outcome)

        asyncio.get_running_loop().call_later(ACK_DELAY_S, settle)
        return acknowledged


async def _publish(fupin_stack: Any, outcome: BaseException | None) -> tuple[Any, int]:
    exporter = InMemorySpanExporter()
    setup_tracing("relay-span-test", extra_processors=[SimpleSpanProcessor(exporter)])
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    settings = fupin_stack.settings("sample_producer", database, role="worker")
    engine = create_engine(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
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
        relay = OutboxRelay(settings, engine, sessionmaker, producer=AckingProducer(outcome))
        await relay.publish_once()
        async with sessionmaker() as session:
            unpublished = (
                await session.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
            ).scalar_one()
    finally:
        await engine.dispose()
    (span,) = [span for span in exporter.get_finished_spans() if span.kind == SpanKind.PRODUCER]
    return span, unpublished


async def test_a_publish_span_lasts_until_the_broker_acknowledged(fupin_stack) -> None:
    span, unpublished = await _publish(fupin_stack, None)
    assert unpublished == 0
    assert span.status.status_code == StatusCode.UNSET
    assert (span.end_time - span.start_time) / 1e9 >= ACK_DELAY_S * 0.9


async def test_a_send_the_broker_refused_marks_its_publish_span(fupin_stack) -> None:
    span, unpublished = await _publish(fupin_stack, RuntimeError("NotLeaderForPartitionError"))
    assert unpublished == 1  # the row goes again
    assert span.status.status_code == StatusCode.ERROR
    assert "NotLeaderForPartitionError" in (span.status.description or "")
