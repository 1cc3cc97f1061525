"""Async engine and sessions: one database per service, one commit per request or message."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from fupin_kit.settings import KitSettings

# A pooled connection unused for longer than this is pinged before it is handed out (a database restart or a
# dropped idle connection is then noticed on checkout, as pool_pre_ping does); one in constant use is not,
# which saves a round trip per request under load. If a connection dies while in use, SQLAlchemy detects
# the disconnect, invalidates the whole pool, and the request answers 503 (problems.is_database_outage).
PING_AFTER_IDLE_S = 2.0
_IDLE_SINCE = "fupin_idle_since"


def create_engine(
    settings: KitSettings, database_url: str | None = None, pool_size: int | None = None
) -> AsyncEngine:
    engine = create_async_engine(
        database_url or settings.service_database_url(),
        pool_size=pool_size or settings.database_pool_size,
        # A service's pool (settings' size) has no overflow: QueuePool closes an overflow connection as soon
        # as it is checked in while the pool is full, so any load above pool_size opened and closed a
        # connection per request (a backend start, a TLS attempt and asyncpg's codec introspection: more
        # than the request itself; B3 saw 114 new sessions per 1000 reads). Connections are still opened
        # lazily up to pool_size and then kept; a request beyond that waits up to pool_timeout for one.
        # An explicitly small pool (loaders, scripts, tests) keeps the overflow it may rely on for bursts.
        max_overflow=0 if pool_size is None else settings.database_pool_size,
        pool_timeout=5,
        pool_recycle=1800,
        connect_args={
            "timeout": 5,
            "command_timeout": settings.database_statement_timeout_ms / 1000,
            "server_settings": {
                "statement_timeout": str(settings.database_statement_timeout_ms),
                "application_name": f"fupin-{settings.service}",
            },
        },
    )
    _ping_after_idle(engine)
    return engine


def _ping_after_idle(engine: AsyncEngine) -> None:
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def checkin(dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return  # fresh from connect, or in steady use
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            if dialect.is_disconnect(cast(Any, error), dbapi_connection, None):
                # As pool_pre_ping: drop every pooled connection older than now and reconnect.
                raise exc.InvalidatePoolError() from error
            raise


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: everything a route does commits once, after the route returns
    and before the response is sent (registered with `scope="function"`), or rolls back on error."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# The unit of work to declare in routes: `session: DbSession`.
DbSession = Annotated[AsyncSession, Depends(request_session, scope="function")]

# Statements of a read-only route run in autocommit (no transaction block).
AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


@contextlib.asynccontextmanager
async def open_read_session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session that only reads: its statements run in autocommit, which saves the BEGIN and COMMIT
    round trips around them (half of a two-query read's round trips, ~20% of the registry's CPU per read
    in B3: each is a write and a wake-up on both ends). It sees exactly what a transaction would: under
    READ COMMITTED, PostgreSQL's default and ours, every statement takes its own snapshot even inside a
    transaction block. Never for work that writes, locks or relies on SET LOCAL: each statement would
    commit on its own."""
    async with sessionmaker() as session:
        # The isolation level is the checkout's only; the pool resets it when the connection returns.
        await session.connection(execution_options=AUTOCOMMIT)
        yield session
