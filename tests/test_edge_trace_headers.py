"""What of a caller's trace context reaches a service through the gateway, and what a service called
directly does with one. At the edge (the gateway) the caller's `traceparent`, `tracestate` and `baggage`
stop: the service gets the gateway's own trace context, sampled, in a trace the caller did not name, however
the caller spells or repeats those headers. Inside the platform a service continues the trace it is given
(the gateway's, a relay's), so one called directly with a `traceparent` still joins that trace."""

from __future__ import annotations

from typing import Any

import httpx
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fupin_gateway.config import GatewaySettings
from fupin_gateway.main import create_app as create_gateway
from fupin_kit.sample import app as sample
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.telemetry import setup_tracing
from fupin_kit.testing import InProcessServer

CALLER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"
NOT_SAMPLED = f"00-{CALLER_TRACE_ID}-{CALLER_SPAN_ID}-00"
SAMPLED = f"00-{CALLER_TRACE_ID}-{CALLER_SPAN_ID}-01"
DIVISION = "520102001001"


def _recording_upstream(seen: list[list[tuple[str, str]]]) -> Starlette:
    """A stand-in service that answers every request and keeps the headers it arrived with."""

    async def record(request: Request) -> JSONResponse:
        seen.append(
            [(key.decode("latin-1"), value.decode("latin-1")) for key, value in request.scope["headers"]]
        )
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST"])])


def _named(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in headers if key.lower() == name]


async def _through_gateway(fupin_stack: Any, caller_headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: list[list[tuple[str, str]]] = []
    gateway_db = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    async with InProcessServer(_recording_upstream(seen)) as upstream:
        settings = fupin_stack.settings("gateway", gateway_db).model_dump()
        settings["upstreams"] = {"sample": upstream.url}
        async with InProcessServer(create_gateway(GatewaySettings(**settings))) as gateway:
            token = fupin_stack.token("village", DIVISION, ["cadre"])
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.get(
                    f"{gateway.url}/api/v1/sample/items",
                    headers=[("Authorization", f"Bearer {token}"), *caller_headers],
                )
    assert response.status_code == 200, response.text
    [received] = seen
    return received


async def test_the_service_gets_the_gateways_context_not_the_callers(fupin_stack: Any) -> None:
    setup_tracing("edge-test", extra_processors=[SimpleSpanProcessor(InMemorySpanExporter())])
    received = await _through_gateway(
        fupin_stack,
        [
            ("TraceParent", NOT_SAMPLED),
            ("traceparent", SAMPLED),
            ("TraceState", "caller=chosen,other=x"),
            ("Baggage", "tier=nation,role=admin"),
            ("baggage", "second=1"),
        ],
    )
    [traceparent] = _named(received, "traceparent")
    _version, trace_id, _span_id, flags = traceparent.split("-")
    assert trace_id != CALLER_TRACE_ID, traceparent
    assert int(flags, 16) & 1, f"the gateway's own trace is recorded: {traceparent}"
    assert _named(received, "tracestate") == [], received
    assert _named(received, "baggage") == [], received


async def test_a_service_called_directly_continues_the_callers_trace(fupin_stack: Any) -> None:
    exporter = InMemorySpanExporter()
    setup_tracing("edge-test", extra_processors=[SimpleSpanProcessor(exporter)])
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    service_app = create_service_app(
        ServiceSpec(name="sample_producer", title="p", description="p", routers=[sample.router]),
        fupin_stack.settings("sample_producer", database),
    )
    async with InProcessServer(service_app) as service, httpx.AsyncClient(timeout=10) as client:
        token = fupin_stack.token("village", DIVISION, ["cadre"])
        response = await client.post(
            f"{service.url}/items",
            json={"division": DIVISION, "name": "direct"},
            headers={"Authorization": f"Bearer {token}", "traceparent": SAMPLED},
        )
    assert response.status_code == 201, response.text
    [server] = [
        span
        for span in exporter.get_finished_spans()
        if span.kind == SpanKind.SERVER and (span.attributes or {}).get("http.route") == "/items"
    ]
    assert server.context.trace_id == int(CALLER_TRACE_ID, 16)
    assert server.parent is not None and server.parent.span_id == int(CALLER_SPAN_ID, 16)
    assert not server.links
