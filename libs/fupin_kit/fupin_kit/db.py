"""Async engine and sessions: one database per service, one commit per request or message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from fupin_kit.settings import KitSettings


def create_engine(
    settings: KitSettings, database_url: str | None = None, pool_size: int | None = None
) -> AsyncEngine:
    return create_async_engine(
        database_url or settings.service_database_url(),
        pool_size=pool_size or settings.database_pool_size,
        max_overflow=settings.database_pool_size,
        pool_pre_ping=True,
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
