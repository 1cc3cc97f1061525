"""Spans reach their exporters with every full resident ID masked (fupin_kit.telemetry.ScrubbingSpanProcessor):
whatever instrumentation recorded – a query string in http.url, an exception message, a status
description, an event or a link – and nothing else is touched."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, Status, StatusCode

from fupin_kit.telemetry import ScrubbingSpanProcessor, scrub_text

ID = "520102198001010013"
ID_X = "52010219800101001X"


def test_the_platforms_ids_are_set_aside_not_sent_to_the_masker(monkeypatch: pytest.MonkeyPatch) -> None:
    """A path naming households by UUID (nine in ten pass the cheap test) is not sent to the masker, whose
    answer would be the path unchanged; an ID or a mobile beside such an id still is, and is masked."""
    import fupin_kit.telemetry as telemetry
    from fupin_kit.pii import mask_text as masker

    calls: list[str] = []

    def counted(text: str, **options: object) -> str:
        calls.append(text)
        return masker(text, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(telemetry, "mask_text", counted)
    ids = ["0af76519-16cd-4309-8448-13912345678a", "13912345-6789-4301-8448-eb211c803190"]
    for household in ids:
        assert scrub_text(f"/api/v1/registry/households/{household}/members/{household}") == (
            f"/api/v1/registry/households/{household}/members/{household}"
        )
    assert calls == []
    assert scrub_text(f"/api/v1/registry/households/{ids[0]}/{ID}") == (
        f"/api/v1/registry/households/{ids[0]}/520102********0013"
    )
    assert scrub_text(f"/x/{ids[1]}?phone=13912345678") == f"/x/{ids[1]}?phone=139****5678"


def test_scrub_text_masks_ids_and_nothing_else() -> None:
    assert scrub_text(f"/households?resident_id={ID}&b={ID_X.lower()}") == (
        "/households?resident_id=520102********0013&b=520102********001x"
    )
    untouched = [
        "5201021980010100131",  # 19 digits: a nanosecond timestamp, not an ID
        "1732640000123456789",
        "5a31eeb7-1ed1-4063-8e3f-9b143a557c89",
        "SELECT * FROM households WHERE id = $1::UUID",
        "12345678901234567",  # 17 digits
    ]
    for value in untouched:
        assert scrub_text(value) == value


def test_scrub_text_masks_the_forms_the_api_masks_escaped_or_not() -> None:
    """A query string as recorded (url.query, http.url) carries what the caller typed, escaped: an ID in
    groups, with hyphens, in full-width digits, or a mobile number (QA5 security §4)."""

    def wide(digits: str) -> str:
        return "".join(chr(ord(digit) + 0xFEE0) for digit in digits)

    escaped_wide = "".join(f"%{byte:02X}" for byte in wide("522633199205186131").encode())
    for recorded, kept, hidden in (
        ("q=522633+19920518+6131", "522633", "19920518"),
        ("q=522633-19920518-6131", "522633", "19920518"),
        (f"q={escaped_wide}", wide("522633"), wide("19920518")),
        ("q=%E5%BC%A0%E4%B8%89+13812345678", "138", "1234"),
    ):
        scrubbed = scrub_text(recorded)
        assert kept in scrubbed and hidden not in scrubbed and "*" in scrubbed, scrubbed
    for untouched in (
        "/households/5a31eeb7-1ed1-4063-8e3f-9b143a557c89",
        "q=%E5%BC%A0",
        "year=2024&limit=50",
    ):
        assert scrub_text(untouched) == untouched


def test_scrub_text_reaches_the_masker_for_numbers_of_any_script_or_spacing() -> None:
    """The cheap test before the masker looked for three ASCII or full-width digits in a row: a mobile in
    Arabic-Indic digits, or typed a digit at a time, never reached the masker that the API answers use
    (QA7 quality-security F1, outside pii.py)."""
    arabic_indic = "".join(chr(0x0660 + int(digit)) for digit in "13923194233")
    for recorded in (f"reason=联系 {arabic_indic}", "phone 1 3 9 2 3 1 9 4 2 3 3", "(139)2319-4233"):
        scrubbed = scrub_text(recorded)
        assert scrubbed != recorded and "*" in scrubbed, (recorded, scrubbed)


def test_spans_are_exported_without_resident_ids() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(ScrubbingSpanProcessor(SimpleSpanProcessor(exporter)))
    tracer = provider.get_tracer("scrub-test")
    with tracer.start_as_current_span("clean", attributes={"http.url": "http://x/households", "n": 3}):
        pass
    linked = tracer.start_span("linked")
    try:
        with tracer.start_as_current_span(
            f"GET {ID}",
            attributes={"http.url": f"http://x/households?id={ID}", "ids": (ID, "other"), "n": 1},
            links=[Link(linked.get_span_context(), {"subject": ID})],
        ) as span:
            span.add_event("looked up", {"resident_id": ID_X})
            span.set_status(Status(StatusCode.ERROR, f"no household for {ID}"))
            raise LookupError(f"no household for {ID}")
    except LookupError:
        pass
    linked.end()
    spans = {span.name: span for span in exporter.get_finished_spans()}
    assert set(spans) == {"clean", "GET 520102********0013", "linked"}
    scrubbed = spans["GET 520102********0013"]
    exported = "\n".join(
        [
            repr(dict(scrubbed.attributes or {})),
            repr(scrubbed.status.description),
            *(f"{event.name} {dict(event.attributes or {})!r}" for event in scrubbed.events),
            *(repr(dict(link.attributes or {})) for link in scrubbed.links),
        ]
    )
    assert ID not in exported and ID_X not in exported, exported
    assert (scrubbed.attributes or {})["http.url"] == "http://x/households?id=520102********0013"
    assert (scrubbed.attributes or {})["ids"] == ("520102********0013", "other")
    assert (scrubbed.attributes or {})["n"] == 1
    assert any("exception.stacktrace" in (event.attributes or {}) for event in scrubbed.events)
    assert scrubbed.status.status_code is StatusCode.ERROR
    assert scrubbed.context == scrubbed.get_span_context() and scrubbed.parent is None
    assert dict(spans["clean"].attributes or {}) == {"http.url": "http://x/households", "n": 3}
