"""What an operator's acceptance check of the exported spans found (a real platform exporting to an OTLP
receiver): bank accounts and landlines typed into a query string or a path reached the trace store unmasked
(url.query, url.path, the gateway's http.url), since spans were read for resident IDs and mobiles only."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from fupin_kit.telemetry import ScrubbingSpanProcessor

ACCOUNT = "6222021234567890123"
CARD_GROUPS = "6222 0212 3456 7890"
LANDLINE = "0851-86981234"


def _exported(exporter: InMemorySpanExporter) -> dict[str, str]:
    """Every exported span as one text (name, attributes, events, status), by span name."""
    return {
        span.name: "\n".join(
            [
                span.name,
                repr(dict(span.attributes or {})),
                repr(span.status.description),
                *(repr(dict(event.attributes or {})) for event in span.events),
            ]
        )
        for span in exporter.get_finished_spans()
    }


def test_accounts_and_landlines_a_caller_typed_are_masked() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(ScrubbingSpanProcessor(SimpleSpanProcessor(exporter)))
    tracer = provider.get_tracer("acceptance")
    escaped_card = CARD_GROUPS.replace(" ", "%20")
    with tracer.start_as_current_span(
        "GET /api/v1/{service}/{path}",
        attributes={
            "url.query": f"after={ACCOUNT}&phone={LANDLINE}&card={escaped_card}",
            "url.path": f"/api/v1/registry/households/{ACCOUNT}",
            "http.url": f"http://127.0.0.1:8001/households?after={ACCOUNT}",
            "url.full": f"http://127.0.0.1:8001/households/{ACCOUNT}",
        },
    ):
        pass
    try:
        with tracer.start_as_current_span("SELECT fupin_registry") as span:
            span.set_status(Status(StatusCode.ERROR, f'invalid input for query argument $1: "{ACCOUNT}"'))
            raise ValueError(f"no account {ACCOUNT}")
    except ValueError:
        pass
    exported = "\n".join(_exported(exporter).values())
    for number in (ACCOUNT, CARD_GROUPS, escaped_card, LANDLINE, "86981234"):
        assert number not in exported, (number, exported)
    assert "0123" in exported and "1234" in exported  # masked as the API masks: the last four kept


def test_other_long_numbers_in_span_attributes_are_left_alone() -> None:
    """Only what callers type (the request's URL, error messages) is read for accounts: elsewhere a long
    run of digits is the platform's own (a nanosecond timestamp, a counter)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(ScrubbingSpanProcessor(SimpleSpanProcessor(exporter)))
    with provider.get_tracer("acceptance").start_as_current_span(
        "work", attributes={"fupin.started_ns": "1732640000123456789"}
    ):
        pass
    (span,) = exporter.get_finished_spans()
    assert dict(span.attributes or {}) == {"fupin.started_ns": "1732640000123456789"}
