"""The set of subjects whose tokens the gateway refuses, kept in memory and reloaded every few seconds.

Tokens are self-contained: a token issued before its account was disabled stays valid until it expires.
The gateway closes that gap for everything routed through it by checking this set on every request; an
admin's disable in this process takes effect at once, in other gateway processes within one refresh
interval. Services learn the set from its published form (digests of the subjects, see
revoked_subjects.py), which they poll every FUPIN_REVOKED_SUBJECTS_REFRESH_S.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fupin_gateway.identity import repository
from fupin_kit.auth.revocations import render_document, subject_digest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    """The set as services read it, rendered once per change (they poll it every few seconds)."""

    body: bytes
    # Over the digests only, so every gateway process holding the same set answers the same ETag.
    etag: str


class Blocklist:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], refresh_s: float, window_s: int
    ) -> None:
        self.sessionmaker = sessionmaker
        self.refresh_s = refresh_s
        # How long a subject stays listed after it was disabled: until its last token has expired.
        self.window_s = window_s
        self._subjects: frozenset[str] = frozenset()
        # Counts changes of the set in this process, and when the last one was: part of the published form.
        self._generation = 0
        self._changed_at = datetime.now(UTC)
        self._published: Published | None = None
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
        self._set(self._subjects | {subject})

    def unblock(self, subject: str) -> None:
        self._pending_unblock.add(subject)
        self._pending_block.discard(subject)
        self._set(self._subjects - {subject})

    async def reload(self) -> None:
        block, unblock = set(self._pending_block), set(self._pending_unblock)
        async with self.sessionmaker() as session:
            loaded = await repository.blocked_subjects(session, self.window_s)
        # Pending local changes older than this reload are now reflected in the database (or rolled back,
        # in which case the database is right); only those made during the reload are re-applied.
        self._pending_block -= block
        self._pending_unblock -= unblock
        self._set(frozenset((loaded | self._pending_block) - self._pending_unblock))

    def published(self) -> Published:
        if self._published is None:
            body = render_document(self._subjects, self._generation, self._changed_at)
            digests = "\n".join(sorted(subject_digest(subject) for subject in self._subjects))
            tag = hashlib.sha256(digests.encode()).hexdigest()[:32]
            self._published = Published(body=body, etag=f'"{tag}"')
        return self._published

    def _set(self, subjects: frozenset[str]) -> None:
        if subjects != self._subjects:
            self._subjects = subjects
            self._generation += 1
            self._changed_at = datetime.now(UTC)
            self._published = None

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
