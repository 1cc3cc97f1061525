"""OpenTelemetry for every process: FastAPI, httpx and SQLAlchemy instrumentation, plus helpers that carry
trace context through the outbox row and Kafka headers so one trace spans gateway → service → outbox →
broker → consumer → next service."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_configured = False


def setup_tracing(service_name: str, extra_processors: Sequence[SpanProcessor] = ()) -> TracerProvider:
    """Install the global tracer provider once per process. OTLP export only when an endpoint is set."""
    global _configured
    current = trace.get_tracer_provider()
    if _configured and isinstance(current, TracerProvider):
        for processor in extra_processors:
            current.add_span_processor(processor)
        return current
    provider = TracerProvider(resource=Resource.create({"service.name": f"fupin-{service_name}"}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    for processor in extra_processors:
        provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    _configured = True
    return provider


def instrument_app(app: Any) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # Health probes would drown real traffic in the trace store. Every request keeps its server span (and
    # everything it starts is parented to it); the internal "http receive"/"http send" spans the ASGI
    # middleware would add per message say nothing the server span does not, and cost two spans a request.
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz", exclude_spans=["receive", "send"])


def instrument_httpx_client(client: Any) -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client)


def instrument_engine(engine: Any) -> None:
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine, enable_commenter=False)


def tracer(name: str = "fupin") -> trace.Tracer:
    return trace.get_tracer(name)


def current_trace_headers() -> dict[str, str]:
    """W3C trace context of the active span, to be stored with an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from_mapping(carrier: dict[str, str]) -> otel_context.Context:
    return propagate.extract(carrier)


def context_from_kafka_headers(headers: Iterable[tuple[str, bytes]] | None) -> otel_context.Context:
    carrier = {key: value.decode("latin-1") for key, value in headers or () if value is not None}
    return propagate.extract(carrier)


def kafka_trace_headers(context: otel_context.Context | None = None) -> list[tuple[str, bytes]]:
    """Trace context as Kafka headers: of the active span, or of `context` (no need to make it current)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=context)
    return [(key, value.encode("latin-1")) for key, value in carrier.items()]
