"""A plain asyncpg pool for a service's hottest read-only queries (the registry's household read, B3).

The ORM session around a two-statement read cost more than the statements: the session and its
transaction bookkeeping, the greenlet hop per statement, the execution context, result rows turned into
mappings: about a third of the registry's CPU per read, profiled. A repository that reads one aggregate by
key, in autocommit, needs none of it; it runs its SQL here instead, on connections configured like the
engine's (statement timeout, application name) and traced like them (one CLIENT span per statement,
fupin_kit.sql_tracing.StatementSpans). Everything that writes, locks or needs a transaction stays on the
SQLAlchemy session.

Errors surface as asyncpg's own: a lost connection is an OSError or an asyncpg InterfaceError, both
answered 503 by fupin_kit.problems, a data error caused by the caller's value a 422.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from opentelemetry import trace
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from fupin_kit.settings import KitSettings
from fupin_kit.sql_tracing import StatementSpans, fail

# A pooled connection idle this long is closed (the engine keeps its own for the writes).
IDLE_LIFETIME_S = 300.0
CONNECT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ReadStatement:
    """A SQLAlchemy statement compiled once, as the engine would send it (asyncpg's $n placeholders), so
    the repository keeps building its SQL from the table definitions and the read pool runs the same text."""

    sql: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, statement: ClauseElement) -> ReadStatement:
        compiled = statement.compile(dialect=asyncpg_dialect())  # type: ignore[no-untyped-call]
        assert isinstance(compiled, SQLCompiler)
        return cls(str(compiled), tuple(compiled.positiontup or ()))

    def args(self, values: dict[str, Any]) -> list[Any]:
        return [values[name] for name in self.names]


class ReadConnection:
    """One pooled connection for the duration of a read, its statements traced."""

    def __init__(self, connection: asyncpg.Connection, spans: StatementSpans) -> None:
        self._connection = connection
        self._spans = spans

    async def fetchrow(self, statement: ReadStatement, values: dict[str, Any]) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self._traced(self._connection.fetchrow, statement, values)
        return row

    async def fetch(self, statement: ReadStatement, values: dict[str, Any]) -> list[asyncpg.Record]:
        return list(await self._traced(self._connection.fetch, statement, values))

    async def _traced(
        self, run: Callable[..., Awaitable[Any]], statement: ReadStatement, values: dict[str, Any]
    ) -> Any:
        span = self._spans.start(statement.sql)
        try:
            result = await run(statement.sql, *statement.args(values))
        except BaseException as error:
            if span is not None:
                fail(span, error)
            raise
        if span is not None:
            span.end()
        return result


async def keep_session(connection: asyncpg.Connection) -> None:
    """The pool's reset on release, which here has nothing to undo: asyncpg's default sends a reset query
    (RESET ALL, UNLISTEN, advisory unlocks, CLOSE ALL): a round trip per read, for a session that never
    sets, listens, locks or declares anything. An open transaction is still rolled back (asyncpg does that
    before calling this)."""


class ReadPool:
    def __init__(
        self,
        settings: KitSettings,
        size: int | None = None,
        tracer_provider: trace.TracerProvider | None = None,
    ) -> None:
        url = make_url(settings.service_database_url())
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._size = size or settings.database_read_pool_size
        self._statement_timeout_ms = settings.database_statement_timeout_ms
        self._application = f"fupin-{settings.service}-reads"
        self._spans = StatementSpans(
            trace.get_tracer("fupin.sql", tracer_provider=tracer_provider),
            url.database or "",
            "postgresql",
            url.host,
            url.port,
        )
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        # min_size 0: connections open on first use, so a service starts even while its database is
        # still coming up (its readiness says so), exactly like the engine.
        self._pool = await asyncpg.create_pool(
            self._dsn,
            min_size=0,
            max_size=self._size,
            max_inactive_connection_lifetime=IDLE_LIFETIME_S,
            reset=keep_session,
            timeout=CONNECT_TIMEOUT_S,
            command_timeout=self._statement_timeout_ms / 1000,
            server_settings={
                "statement_timeout": str(self._statement_timeout_ms),
                "application_name": self._application,
                # Only reads run here: a statement that tried to write would be a bug, refused loudly.
                "default_transaction_read_only": "on",
            },
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[ReadConnection]:
        if self._pool is None:
            raise RuntimeError("the read pool is not open")
        async with self._pool.acquire(timeout=CONNECT_TIMEOUT_S) as connection:
            yield ReadConnection(connection, self._spans)
