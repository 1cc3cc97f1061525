"""What an operator's acceptance check of the exported spans found (a real platform exporting to an OTLP
receiver): polling that is no traffic started a trace of its own every time: the services' poll of the
revoked-subjects document (about 150 root spans a minute on an idle platform) and each call the gateway's
/readyz makes to a service (five root CLIENT spans a probe)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from fupin_kit.auth.revocations import REVOKED_SUBJECTS_PATH
from fupin_kit.server_spans import ServerSpanMiddleware


def _polled_app(provider: TracerProvider) -> FastAPI:
    """A process with the revoked-subjects document and a readiness probe that asks another process
    (through an instrumented httpx client, as the gateway's /readyz asks the services)."""
    app = FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False})
    downstream = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json={"status": "ready"})),
        base_url="http://service.test",
    )
    HTTPXClientInstrumentor.instrument_client(downstream, tracer_provider=provider)

    @app.get(REVOKED_SUBJECTS_PATH)
    async def revoked() -> dict[str, list[str]]:
        return {"subjects": []}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        await downstream.get("/readyz")
        return {"status": "ready"}

    @app.get("/households")
    async def households() -> list[str]:
        await downstream.get("/households")
        return []

    app.add_middleware(ServerSpanMiddleware, tracer_provider=provider)
    return app


@pytest.mark.parametrize("path", [REVOKED_SUBJECTS_PATH, "/readyz"])
async def test_polling_starts_no_trace(path: str) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    transport = httpx.ASGITransport(app=_polled_app(provider))
    async with httpx.AsyncClient(transport=transport, base_url="http://fupin.test") as client:
        assert (await client.get(path)).status_code == 200
    assert [(span.name, span.kind) for span in exporter.get_finished_spans()] == []
    assert trace.get_current_span() is trace.INVALID_SPAN


async def test_a_request_still_traces_its_calls() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    transport = httpx.ASGITransport(app=_polled_app(provider))
    async with httpx.AsyncClient(transport=transport, base_url="http://fupin.test") as client:
        await client.get("/readyz")
        assert (await client.get("/households")).status_code == 200
    spans = exporter.get_finished_spans()
    assert sorted(span.kind.name for span in spans) == ["CLIENT", "SERVER"]
    server = next(span for span in spans if span.kind.name == "SERVER")
    client_span = next(span for span in spans if span.kind.name == "CLIENT")
    assert client_span.parent is not None and client_span.parent.span_id == server.context.span_id
