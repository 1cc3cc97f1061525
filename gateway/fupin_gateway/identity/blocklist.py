"""The set of subjects whose tokens the gateway refuses, kept in memory and reloaded every few seconds.

Tokens are self-contained: a token issued before its account was disabled stays valid until it expires.
The gateway closes that gap for everything routed through it by checking this set on every request; an
admin's disable in this process takes effect at once, in other gateway processes within one refresh
interval. Services cannot know and rely on short token lifetimes (default 900 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fupin_gateway.identity import repository

log = logging.getLogger(__name__)


class Blocklist:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], refresh_s: float) -> None:
        self.sessionmaker = sessionmaker
        self.refresh_s = refresh_s
        self._subjects: frozenset[str] = frozenset()
        # Changes made in this process since the last reload started: the reload's snapshot may predate
        # them (their transaction was not yet committed), so they are re-applied on top of it.
        self._pending_block: set[str] = set()
        self._pending_unblock: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    def __contains__(self, subject: str) -> bool:
        return subject in self._subjects

    def block(self, subject: str) -> None:
        self._pending_block.add(subject)
        self._pending_unblock.discard(subject)
        self._subjects = self._subjects | {subject}

    def unblock(self, subject: str) -> None:
        self._pending_unblock.add(subject)
        self._pending_block.discard(subject)
        self._subjects = self._subjects - {subject}

    async def reload(self) -> None:
        block, unblock = set(self._pending_block), set(self._pending_unblock)
        async with self.sessionmaker() as session:
            loaded = await repository.blocked_subjects(session)
        # Pending local changes older than this reload are now reflected in the database (or rolled back,
        # in which case the database is right); only those made during the reload are re-applied.
        self._pending_block -= block
        self._pending_unblock -= unblock
        self._subjects = frozenset((loaded | self._pending_block) - self._pending_unblock)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-blocklist")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.reload()
            except (SQLAlchemyError, OSError) as exc:
                # Keep the last known set: an outage must not silently re-admit disabled accounts.
                log.warning("blocklist reload failed: %s", type(exc).__name__)
            await asyncio.sleep(self.refresh_s)
