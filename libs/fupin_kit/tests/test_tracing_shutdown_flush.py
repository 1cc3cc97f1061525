"""A process that stops exports the spans it still holds. Observed on a real platform exporting to an OTLP
receiver: a request answered a moment before the process got SIGTERM (`fupin down`, a restart, a deploy)
never reached the receiver. The SDK flushes from an atexit hook, but uvicorn re-raises the signal it
caught once it has shut down, which ends the process before atexit hooks run; so the batch of up to five
seconds of spans waiting in the exporting processor was lost. The server-span middleware now flushes when
the application's shutdown completes (ASGI lifespan), after every shutdown hook (the relay's last
publish included) has run."""

from __future__ import annotations

import contextlib
from collections.abc import MutableMapping
from typing import Any

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from fupin_kit.server_spans import ServerSpanMiddleware


def _app(provider: TracerProvider) -> FastAPI:
    app = FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False})

    @app.get("/households")
    async def households() -> list[str]:
        return []

    app.add_middleware(ServerSpanMiddleware, tracer_provider=provider)
    return app


async def _lifespan(app: FastAPI, event: str) -> list[MutableMapping[str, Any]]:
    """Run one lifespan event (startup or shutdown) through the ASGI app; returns what it sent."""
    sent: list[MutableMapping[str, Any]] = []
    messages = [{"type": f"lifespan.{event}"}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "lifespan.shutdown"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)
        if message["type"] == f"lifespan.{event}.complete":
            raise _Done

    with contextlib.suppress(_Done):
        await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
    return sent


class _Done(Exception):
    pass


async def test_spans_waiting_for_their_batch_are_exported_at_shutdown() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    # A batch exported every minute: only a flush sends the request's span before then.
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=60_000))
    app = _app(provider)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fupin.test") as client:
        assert (await client.get("/households")).status_code == 200
    assert exporter.get_finished_spans() == ()
    sent = await _lifespan(app, "shutdown")
    assert sent[-1]["type"] == "lifespan.shutdown.complete"
    assert [span.name for span in exporter.get_finished_spans()] == ["GET /households"]
    provider.shutdown()
