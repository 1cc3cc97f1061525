"""The read pool (fupin_kit.read_pool) on a real PostgreSQL: statements compiled from SQLAlchemy run with
their bound values, each traced like the engine's (one CLIENT span, parented, no values, an error status on
failure, none outside a trace), on read-only connections with the engine's statement timeout."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import Integer, Select, String, bindparam, column, literal_column, select, table, text

from fupin_kit.read_pool import ReadPool, ReadStatement

RESIDENT_ID = "110101199003076515"
NUMBERS: Select[Any] = (
    select(literal_column("n", Integer))
    .select_from(text("generate_series(1, 5) AS n"))
    .where(column("n", Integer) >= bindparam("low"))
    .order_by(column("n", Integer))
)
SECRET: Select[Any] = select(bindparam("secret", type_=String).label("value"))
NO_TABLE: Select[Any] = select(literal_column("1")).select_from(table("no_such_table"))


async def test_statements_run_with_their_values_and_are_traced(fupin_stack):
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    database = await fupin_stack.fresh_database("fupin_kit.sample", "read_pool")
    reads = ReadPool(fupin_stack.settings("sample", database), size=2, tracer_provider=provider)
    await reads.open()
    try:
        with provider.get_tracer("test").start_as_current_span("request") as request_span:
            async with reads.connection() as connection:
                rows = await connection.fetch(ReadStatement.of(NUMBERS), {"low": 3})
                secret = await connection.fetchrow(ReadStatement.of(SECRET), {"secret": RESIDENT_ID})
                with pytest.raises(asyncpg.UndefinedTableError):
                    await connection.fetch(ReadStatement.of(NO_TABLE), {})
        async with reads.connection() as connection:
            assert await connection.fetchrow(ReadStatement.of(NUMBERS), {"low": 5}) is not None
    finally:
        await reads.close()

    assert [row[0] for row in rows] == [3, 4, 5]
    assert secret is not None and secret["value"] == RESIDENT_ID
    statements = [span for span in spans.get_finished_spans() if span.name != "request"]
    assert len(statements) == 3  # the read outside any trace has none
    ok, _, failed = statements
    attributes = dict(ok.attributes or {})
    assert ok.name == f"SELECT {database}" and ok.kind == SpanKind.CLIENT
    assert ok.parent is not None and ok.parent.span_id == request_span.get_span_context().span_id
    assert attributes["db.system"] == "postgresql" and attributes["db.name"] == database
    assert "generate_series" in str(attributes["db.statement"])
    assert all(RESIDENT_ID not in repr(span.attributes) for span in statements)
    assert ok.status.status_code == StatusCode.UNSET
    assert failed.status.status_code == StatusCode.ERROR
    assert "no_such_table" in (failed.status.description or "")


async def test_connections_only_read_and_keep_the_statement_timeout(fupin_stack):
    database = await fupin_stack.fresh_database("fupin_kit.sample", "read_pool_guard")
    settings = fupin_stack.settings("sample", database).model_copy(
        update={"database_statement_timeout_ms": 200}
    )
    reads = ReadPool(settings, size=1)
    await reads.open()
    try:
        async with reads.connection() as connection:
            with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
                await connection.fetch(ReadStatement.of(text("CREATE TABLE written (n int)")), {})
            # The server's statement_timeout or the client's command_timeout, whichever fires first.
            with pytest.raises((asyncpg.QueryCanceledError, TimeoutError)):
                await connection.fetch(ReadStatement.of(select(text("pg_sleep(2)"))), {})
    finally:
        await reads.close()
    with pytest.raises(RuntimeError, match="not open"):
        async with reads.connection():
            pass
