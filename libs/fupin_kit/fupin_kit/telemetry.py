"""OpenTelemetry for every process: FastAPI, httpx and SQLAlchemy instrumentation, plus helpers that carry
trace context through the outbox row and Kafka headers so one trace spans gateway → service → outbox →
broker → consumer → next service."""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote_plus

from fastapi.telemetry import TelemetryConfig
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Link, Status

from fupin_kit.pii import mask_text

_configured = False

# What may hold a resident ID or mobile number, the cheap test before the masker: ten digits of any script
# with at most three other characters between each two (a number typed in one run, in groups, or a digit
# at a time: the shortest the masker masks has eleven) or a percent-escape (a query string carries
# full-width digits, spaces and plus signs escaped). SQL with bound parameters, most paths and names pass.
_MAYBE_NUMBER = re.compile(r"\d(?:\D{0,3}\d){9}|%[0-9A-Fa-f]{2}")
# The platform's own ids (a household's, a case's in a path) pass that test nine times in ten, hex digits
# counting as the "other characters" between digits; the masker leaves them as they are, so they are set
# aside before the test rather than sent to it (an ID or a mobile beside one still is).
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
# Attributes that hold what a caller typed (the request's URL) or an error's words about it: read for bank
# accounts and landlines too. A query string or a path is as free as any typed text (an operator found a
# bank account typed as a cursor exported in url.query, url.path and the gateway's http.url); elsewhere a
# long run of digits in a span is the platform's own (a nanosecond timestamp, a counter).
CALLER_TEXT_ATTRIBUTES = frozenset(
    {
        "url.query",
        "url.path",
        "url.full",
        "http.url",
        "http.target",
        "exception.message",
        "exception.stacktrace",
    }
)


def _may_hold_number(value: str) -> bool:
    if _MAYBE_NUMBER.search(value) is None:
        return False
    return "-" not in value or _MAYBE_NUMBER.search(_UUID.sub("-", value)) is not None


def scrub_text(value: str, *, accounts: bool = False) -> str:
    """Mask every resident ID and mobile number in `value` as the API masks typed text (fupin_kit.pii
    .mask_text: one run of digits of any script, grouped or a digit at a time, +86), and with `accounts`
    bank accounts and landlines too. A value with escapes (a query string) is read unescaped first, and
    returned unescaped when something in it was masked."""
    if not _may_hold_number(value):
        return value
    plain = unquote_plus(value) if "%" in value or "+" in value else value
    # Spans: IDs and mobiles only, a 19-digit run in a span attribute is a nanosecond timestamp, not an
    # account. Log lines (fupin_kit.log_masking) ask for accounts as well.
    masked = mask_text(plain, accounts=accounts)
    return value if masked == plain else masked


def _scrub_value(value: Any, accounts: bool = False) -> Any:
    if isinstance(value, str):
        return scrub_text(value, accounts=accounts)
    if isinstance(value, tuple | list) and any(isinstance(item, str) for item in value):
        return tuple(scrub_text(item, accounts=accounts) if isinstance(item, str) else item for item in value)
    return value


def _scrub_attributes(attributes: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The attributes with resident IDs and mobiles masked (and accounts and landlines in what a caller
    typed), or None when there was none (the common case)."""
    scrubbed: dict[str, Any] | None = None
    for key, value in (attributes or {}).items():
        masked = _scrub_value(value, accounts=key in CALLER_TEXT_ATTRIBUTES)
        if masked is not value and masked != value:
            if scrubbed is None:
                scrubbed = dict(attributes or {})
            scrubbed[key] = masked
    return scrubbed


def scrub_span(span: ReadableSpan) -> ReadableSpan:
    """`span` itself when it names no resident ID; otherwise a copy with every ID masked in its name,
    attributes, events (exception messages and stack traces), links and status description, and every bank
    account and landline in the attributes that hold what a caller typed and in the status description."""
    name = scrub_text(span.name)
    attributes = _scrub_attributes(span.attributes)
    events = [(event, _scrub_attributes(event.attributes)) for event in span.events]
    links = [(link, _scrub_attributes(link.attributes)) for link in span.links]
    description = span.status.description
    # A status description is an error's message, which may quote what the caller sent.
    scrubbed_description = None if description is None else scrub_text(description, accounts=True)
    if (
        name == span.name
        and attributes is None
        and scrubbed_description == description
        and all(changed is None for _, changed in events + links)
    ):
        return span
    return ReadableSpan(
        name=name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=span.attributes if attributes is None else attributes,
        events=[
            event if changed is None else Event(event.name, changed, event.timestamp)
            for event, changed in events
        ],
        links=[link if changed is None else Link(link.context, changed) for link, changed in links],
        kind=span.kind,
        status=Status(span.status.status_code, scrubbed_description),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class ScrubbingSpanProcessor(SpanProcessor):
    """Hands `inner` (an exporting processor) every finished span with resident IDs masked. Spans are
    scrubbed when they end, not when attributes are set, so nothing set later (a status code, a recorded
    exception) escapes; a span that names no ID is passed on as it is."""

    def __init__(self, inner: SpanProcessor) -> None:
        self.inner = inner

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        self.inner.on_start(span, parent_context=parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        self.inner.on_end(scrub_span(span))

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


# The logger an exporter whose collector is down writes to: a WARNING per retry of each batch, an ERROR per
# batch given up. (The SDK's batch processor already logs each of its own lines once: DuplicateFilter.)
EXPORT_LOGGERS = ("opentelemetry.exporter.otlp.proto.http.trace_exporter",)
EXPORT_LOG_INTERVAL_S = 60.0


class ExportLogThrottle(logging.Filter):
    """Lets one line of a logger through per interval; the next one let through says how many were held
    back. A collector that is down (or unreachable) otherwise costs every process 20-40 identical lines a
    minute for as long as it is away (observed: 5 tries per batch, each logged)."""

    def __init__(self, interval_s: float, clock: Callable[[], float]) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.clock = clock
        self._lock = threading.Lock()
        self._last_passed: float | None = None
        self._held_back = 0

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            now = self.clock()
            if self._last_passed is not None and now - self._last_passed < self.interval_s:
                self._held_back += 1
                return False
            if self._held_back:
                record.msg = (
                    f"{record.getMessage()} ({self._held_back} similar lines held back since the last one)"
                )
                record.args = ()
            self._last_passed = now
            self._held_back = 0
            return True


def throttle_export_logs(
    interval_s: float = EXPORT_LOG_INTERVAL_S, clock: Callable[[], float] = time.monotonic
) -> None:
    """Throttle the exporter's own lines (ExportLogThrottle), once per process."""
    for name in EXPORT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, ExportLogThrottle) for existing in logger.filters):
            logger.addFilter(ExportLogThrottle(interval_s, clock))


def setup_tracing(service_name: str, extra_processors: Sequence[SpanProcessor] = ()) -> TracerProvider:
    """Install the global tracer provider once per process. OTLP export only when an endpoint is set. Every
    processor (the OTLP exporter's and `extra_processors`) receives spans with resident IDs masked."""
    global _configured
    current = trace.get_tracer_provider()
    if _configured and isinstance(current, TracerProvider):
        for processor in extra_processors:
            current.add_span_processor(ScrubbingSpanProcessor(processor))
        return current
    provider = TracerProvider(resource=Resource.create({"service.name": f"fupin-{service_name}"}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(ScrubbingSpanProcessor(BatchSpanProcessor(OTLPSpanExporter())))
        throttle_export_logs()
    for processor in extra_processors:
        provider.add_span_processor(ScrubbingSpanProcessor(processor))
    trace.set_tracer_provider(provider)
    _configured = True
    return provider


def app_telemetry() -> TelemetryConfig:
    """FastAPI's own OpenTelemetry integration, switched off: every process's server spans come from
    fupin_kit.server_spans.ServerSpanMiddleware (the same span for a fraction of the CPU), and two layers
    would record each request twice."""
    return {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


def instrument_httpx_client(client: Any) -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client)


def instrument_engine(engine: Any) -> None:
    """Database spans for every statement `engine` (an AsyncEngine) runs (fupin_kit.sql_tracing)."""
    from fupin_kit.sql_tracing import trace_engine

    trace_engine(engine.sync_engine)


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
