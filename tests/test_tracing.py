"""One trace joins an HTTP request through the gateway, the service, the outbox, the broker and the
consumer in another service; asserted on spans captured in memory, over real loopback HTTP and Kafka.

The trace is the platform's own even when the caller sends a trace context of its own: the gateway links to
the caller's span and does not continue it. Followed, a `traceparent` with the sampled flag off left the
request unrecorded at every process, and a chosen trace id mixed it into another's trace."""

from __future__ import annotations

import asyncio
import time

import httpx
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from fupin_gateway.config import GatewaySettings
from fupin_gateway.main import create_app as create_gateway
from fupin_kit.consumer import ConsumerSpec
from fupin_kit.envelope import domain_topic
from fupin_kit.sample import app as sample
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.telemetry import setup_tracing
from fupin_kit.testing import InProcessServer

# A caller outside the platform names a trace of its own, not sampled, with tracestate and baggage.
CALLER_TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN_ID = "b7ad6b7169203331"
CALLER_CONTEXT = {
    "traceparent": f"00-{CALLER_TRACE_ID}-{CALLER_SPAN_ID}-00",
    "tracestate": "caller=chosen",
    "baggage": "tier=nation",
}


async def test_one_trace_from_gateway_to_consumer(fupin_stack):
    exporter = InMemorySpanExporter()
    setup_tracing("trace-test", extra_processors=[SimpleSpanProcessor(exporter)])
    group = f"trace-consumer-{int(time.time())}"
    await fupin_stack.topics({domain_topic("sample"): 3, f"fupin.dlq.{group}.v1": 1})
    producer_db = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    consumer_db = await fupin_stack.fresh_database("fupin_kit.sample", "sample_consumer")
    gateway_db = await fupin_stack.fresh_database("fupin_gateway", "gateway")

    producer_app = create_service_app(
        ServiceSpec(name="sample_producer", title="p", description="p", routers=[sample.router]),
        fupin_stack.settings("sample_producer", producer_db),
    )
    consumer_app = create_service_app(
        ServiceSpec(
            name="sample_consumer",
            title="c",
            description="c",
            routers=[sample.router],
            consumers=[
                ConsumerSpec(group, [domain_topic("sample")], {sample.ITEM_CREATED: sample.on_item_created})
            ],
        ),
        fupin_stack.settings("sample_consumer", consumer_db),
    )
    async with InProcessServer(producer_app) as producer, InProcessServer(consumer_app):
        base = fupin_stack.settings("gateway", gateway_db).model_dump()
        base["upstreams"] = {"sample": producer.url}
        gateway_app = create_gateway(GatewaySettings(**base))
        async with InProcessServer(gateway_app) as gateway, httpx.AsyncClient(timeout=10) as client:
            token = fupin_stack.token("village", "520102001001", ["cadre"])
            response = await client.post(
                f"{gateway.url}/api/v1/sample/items",
                json={"division": "520102001001", "name": "traced"},
                headers={"Authorization": f"Bearer {token}", **CALLER_CONTEXT},
            )
            assert response.status_code == 201, response.text
            # The group reads the topic from its start: events other tests left there are processed too,
            # in traces of their own, so wait for the process span of this request's trace.
            server = await _wait_for_span(exporter, "POST /api/v1/{service}/{path}")
            consume_span = await _wait_for_span(
                exporter, "process fupin.sample.item.created.v1", server.context.trace_id
            )

    trace_id = consume_span.context.trace_id
    # Recorded though the caller said "not sampled", in a trace of the platform's own, linked to the
    # caller's span; nothing was recorded in the caller's trace.
    assert trace_id != int(CALLER_TRACE_ID, 16)
    assert [(link.context.trace_id, link.context.span_id) for link in server.links] == [
        (int(CALLER_TRACE_ID, 16), int(CALLER_SPAN_ID, 16))
    ]
    assert all(span.context.trace_id != int(CALLER_TRACE_ID, 16) for span in exporter.get_finished_spans())
    in_trace = [span for span in exporter.get_finished_spans() if span.context.trace_id == trace_id]
    kinds_and_names = {(span.kind, span.name) for span in in_trace}
    # gateway server span, the gateway's httpx client span, the service's server span,
    # the relay's publish span and the consumer's process span all share one trace id.
    assert (SpanKind.SERVER, "POST /api/v1/{service}/{path}") in kinds_and_names, kinds_and_names
    assert any(kind == SpanKind.CLIENT and "POST" in name for kind, name in kinds_and_names), kinds_and_names
    assert (SpanKind.SERVER, "POST /items") in kinds_and_names, kinds_and_names
    assert (SpanKind.PRODUCER, f"publish {domain_topic('sample')}") in kinds_and_names, kinds_and_names
    assert (SpanKind.CONSUMER, "process fupin.sample.item.created.v1") in kinds_and_names
    # The chain is parent-linked, not merely sharing an id: process ← publish ← service request.
    by_id = {span.context.span_id: span for span in in_trace}
    publish = by_id[consume_span.parent.span_id]
    assert publish.kind == SpanKind.PRODUCER
    ancestor = publish
    while ancestor.parent is not None and ancestor.parent.span_id in by_id:
        ancestor = by_id[ancestor.parent.span_id]
    assert ancestor.kind == SpanKind.SERVER and ancestor.name.startswith("POST /api/v1/")
    # The service's statements are children of its server span: the INSERT that stored the item.
    service_span = next(span for span in in_trace if span.name == "POST /items")
    statements = [
        span
        for span in in_trace
        if span.parent is not None and span.parent.span_id == service_span.context.span_id
    ]
    inserts = [span for span in statements if (span.attributes or {}).get("db.operation") == "INSERT"]
    assert inserts, [(span.kind, span.name) for span in statements]
    assert all(
        span.kind == SpanKind.CLIENT and (span.attributes or {}).get("db.system") == "postgresql"
        for span in inserts
    )
    # The caller's tracestate stopped at the gateway with its traceparent.
    assert "caller" not in service_span.context.trace_state
    service_attributes = dict(service_span.attributes or {})
    assert service_attributes.get("http.route") == "/items"
    assert service_attributes.get("http.response.status_code") == 201


async def _wait_for_span(
    exporter: InMemorySpanExporter, name: str, trace_id: int | None = None, timeout_s: float = 30.0
):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for span in exporter.get_finished_spans():
            if span.name == name and (trace_id is None or span.context.trace_id == trace_id):
                return span
        await asyncio.sleep(0.1)
    raise AssertionError(f"no span {name!r}; saw {[span.name for span in exporter.get_finished_spans()]}")
