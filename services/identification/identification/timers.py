"""The notice timer: a background task that closes due notices as the system, on the service clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fupin_kit.request_context import correlated
from identification import clock
from identification.context import SYSTEM_ACTOR, Context
from identification.notices import service as notices

log = logging.getLogger(__name__)


async def _loop(sessionmaker: async_sessionmaker[AsyncSession], interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await run_round(sessionmaker)
        except Exception as exc:  # the next round retries; a DB outage must not kill the timer
            log.warning("notice timer round failed: %s", exc)


async def run_round(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Close what is due now. The notices one round closes, and their cases' events, share one
    correlation id (no request or event started the round to lend its own)."""
    with correlated(f"notice-timer-{uuid.uuid4()}"):
        async with sessionmaker() as session, session.begin():
            ctx = Context(session, SYSTEM_ACTOR, await clock.now(session))
            result = await notices.tick(ctx)
            if result.closed:
                log.info("closed %d notices (%d cases)", len(result.closed), result.cases)


def start(app: FastAPI) -> None:
    interval = float(os.environ.get("FUPIN_NOTICE_TICK_S", "30"))
    if app.state.settings.role == "api" or interval <= 0:
        app.state.notice_timer = None
        return
    app.state.notice_timer = asyncio.get_running_loop().create_task(_loop(app.state.sessionmaker, interval))


async def stop(app: FastAPI) -> None:
    task = getattr(app.state, "notice_timer", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
