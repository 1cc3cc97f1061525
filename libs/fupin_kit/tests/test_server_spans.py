"""The SERVER span of every request (fupin_kit.server_spans): named after the matched route, parented to
the caller's traceparent, current while the request runs, with the semantic-convention attributes, an error
status for 5xx and exceptions (type only, never the message), credentials in the query redacted, and no span
for health probes."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from fupin_kit.server_spans import ServerSpanMiddleware

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"


def _app(provider: TracerProvider) -> FastAPI:
    app = FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False})
    inner = provider.get_tracer("test")

    @app.get("/households/{household_id}")
    async def read(household_id: str) -> dict[str, str]:
        with inner.start_as_current_span("work"):
            return {"id": household_id}

    @app.get("/broken")
    async def broken() -> JSONResponse:
        return JSONResponse({"detail": "down"}, status_code=503)

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("110101199003076515 leaked in a message")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(ServerSpanMiddleware, tracer_provider=provider)
    return app


async def test_server_spans() -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    transport = httpx.ASGITransport(app=_app(provider), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://fupin.test") as client:
        traced = await client.get(
            "/households/h1?status=registered&access_token=abc",
            headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"},
        )
        assert traced.status_code == 200
        assert (await client.get("/broken")).status_code == 503
        assert (await client.get("/crash")).status_code == 500
        assert (await client.get("/nowhere")).status_code == 404
        assert (await client.get("/healthz")).status_code == 200

    finished = spans.get_finished_spans()
    servers = {span.name: span for span in finished if span.kind == SpanKind.SERVER}
    assert sorted(servers) == ["GET", "GET /broken", "GET /crash", "GET /households/{household_id}"]
    read = servers["GET /households/{household_id}"]
    attributes = dict(read.attributes or {})
    assert attributes["http.route"] == "/households/{household_id}"
    assert attributes["http.request.method"] == "GET" and attributes["url.path"] == "/households/h1"
    assert attributes["http.response.status_code"] == 200
    assert attributes["url.query"] == "status=registered&access_token=REDACTED"
    assert attributes["server.address"] == "fupin.test"
    assert format(read.context.trace_id, "032x") == TRACE_ID
    assert read.parent is not None and format(read.parent.span_id, "016x") == PARENT_ID
    work = next(span for span in finished if span.name == "work")
    assert work.parent is not None and work.parent.span_id == read.context.span_id
    assert read.status.status_code == StatusCode.UNSET

    broken = servers["GET /broken"]
    assert broken.status.status_code == StatusCode.ERROR
    assert dict(broken.attributes or {})["error.type"] == "503"
    crash = servers["GET /crash"]
    assert crash.status.status_code == StatusCode.ERROR
    assert dict(crash.attributes or {})["error.type"] == "RuntimeError"
    assert "110101199003076515" not in repr(crash.attributes) + repr(crash.events)
    unmatched = dict(servers["GET"].attributes or {})
    assert "http.route" not in unmatched and unmatched["http.response.status_code"] == 404
    # A request without traceparent starts a trace of its own.
    assert servers["GET /broken"].parent is None
    assert trace.get_current_span() is trace.INVALID_SPAN  # nothing left attached


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_probes_have_no_span(path: str) -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    transport = httpx.ASGITransport(app=_app(provider))
    async with httpx.AsyncClient(transport=transport, base_url="http://fupin.test") as client:
        await client.get(path)
    assert [span.name for span in spans.get_finished_spans()] == []
