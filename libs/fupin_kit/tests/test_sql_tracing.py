"""Statement spans (fupin_kit.sql_tracing) on a real PostgreSQL: one CLIENT span per statement run inside a
trace, named and attributed as the contrib instrumentation named them, parented to the span current at
execution, without parameter values, with an error status when the statement fails; none for a statement
outside any trace (background polling)."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import create_async_engine

from fupin_kit import sql_tracing

RESIDENT_ID = "110101199003076515"


async def test_statement_spans(fupin_stack):
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sql_tracing")
    engine = create_async_engine(fupin_stack.settings("sample", database).service_database_url())
    sql_tracing.trace_engine(engine.sync_engine, provider)
    sql_tracing.trace_engine(engine.sync_engine, provider)  # a second call adds no second listener
    try:
        with provider.get_tracer("test").start_as_current_span("request") as request_span:
            async with engine.connect() as connection:
                await connection.execute(
                    text("/* why */ SELECT CAST(:secret AS text)"), {"secret": RESIDENT_ID}
                )
                with pytest.raises(ProgrammingError):
                    await connection.execute(text("SELECT * FROM no_such_table"))
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 'outside any trace'"))
    finally:
        await engine.dispose()

    statements = [span for span in spans.get_finished_spans() if span.name != "request"]
    assert [(span.attributes or {}).get("db.operation") for span in statements] == ["SELECT", "SELECT"]
    ok, failed = statements
    attributes = dict(ok.attributes or {})
    assert ok.name == f"SELECT {database}" and ok.kind == SpanKind.CLIENT
    assert ok.parent is not None and ok.parent.span_id == request_span.get_span_context().span_id
    assert attributes["db.system"] == "postgresql" and attributes["db.name"] == database
    assert "SELECT CAST(" in str(attributes["db.statement"])
    assert RESIDENT_ID not in repr(attributes)  # bound values are never recorded
    assert ok.status.status_code == StatusCode.UNSET
    assert failed.status.status_code == StatusCode.ERROR
    assert "no_such_table" in (failed.status.description or "")
