"""The CLIENT span of each proxied call (fupin_gateway.upstream) speaks the same HTTP semantic conventions
as every SERVER span of the trace it sits in (fupin_kit.server_spans): an operator filtering on
http.response.status_code or error.type found the services' spans and not the gateway's calls to them,
which recorded http.status_code, http.url and net.peer.* (the deprecated names) and no error.type."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from yarl import URL

from fupin_gateway.upstream import UpstreamClient
from fupin_kit.telemetry import setup_tracing


async def _answer(request: web.Request) -> web.Response:
    return web.Response(status=int(request.match_info["status"]), text="x")


@pytest.fixture
async def service() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/status/{status}", _answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    spans = InMemorySpanExporter()
    setup_tracing("gateway-test", [SimpleSpanProcessor(spans)])
    return spans


def _client_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if span.kind is SpanKind.CLIENT]


async def test_an_upstream_call_has_the_stable_http_client_attributes(
    service: str, exporter: InMemorySpanExporter
) -> None:
    client = UpstreamClient(5.0)
    try:
        for status in (200, 404, 503):
            response = await client.send("GET", URL(f"{service}/status/{status}?after=1"), [], None)
            response.release()
    finally:
        await client.close()
    spans = {
        dict(span.attributes or {})["http.response.status_code"]: span for span in _client_spans(exporter)
    }
    assert set(spans) == {200, 404, 503}
    port = int(service.rsplit(":", 1)[1])
    ok = dict(spans[200].attributes or {})
    assert ok == {
        "http.request.method": "GET",
        "url.full": f"{service}/status/200?after=1",
        "server.address": "127.0.0.1",
        "server.port": port,
        "http.response.status_code": 200,
    }
    assert spans[200].name == "GET" and spans[200].status.status_code is StatusCode.UNSET
    for status in (404, 503):
        # A client span is an error from 4xx on, and says which (semantic conventions, HTTP spans).
        assert dict(spans[status].attributes or {})["error.type"] == str(status)
        assert spans[status].status.status_code is StatusCode.ERROR


async def test_an_unreachable_service_is_an_error_of_that_type(exporter: InMemorySpanExporter) -> None:
    client = UpstreamClient(2.0)
    try:
        with pytest.raises(OSError):
            await client.send("GET", URL("http://127.0.0.1:9/x"), [], None)
    finally:
        await client.close()
    (span,) = _client_spans(exporter)
    attributes = dict(span.attributes or {})
    assert (
        attributes["error.type"] == "ClientConnectorError" and "http.response.status_code" not in attributes
    )
    assert span.status.status_code is StatusCode.ERROR


async def test_a_credential_in_the_query_string_is_redacted_in_the_client_span(
    service: str, exporter: InMemorySpanExporter
) -> None:
    """The SERVER spans redacted `access_token=` in url.query; the gateway's CLIENT span recorded the same
    query in url.full as the caller sent it (acceptance tester, session 16, F2)."""
    client = UpstreamClient(5.0)
    try:
        url = URL(f"{service}/status/200?after=1&access_token=SECRETTOKEN&Password=hunter2")
        response = await client.send("GET", url, [], None)
        response.release()
    finally:
        await client.close()
    (span,) = _client_spans(exporter)
    assert span.attributes is not None
    recorded = str(span.attributes["url.full"])
    assert "SECRETTOKEN" not in recorded and "hunter2" not in recorded, recorded
    assert recorded.endswith("/status/200?after=1&access_token=REDACTED&Password=REDACTED"), recorded
