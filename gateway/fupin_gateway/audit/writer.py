"""Appending to the audit chain.

Account changes are appended inside the transaction of the change (`append_change`). Access records are
written off the hot path: the middleware only enqueues them, and one background task drains the queue in
batches, each batch one transaction under the chain lock, so the chain stays linear across batches,
account changes and other gateway processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fupin_kit.audit.append import append_entries
from fupin_kit.audit.chain import AuditEntry
from fupin_kit.problems import is_database_outage

log = logging.getLogger(__name__)
RETRY_MAX_S = 5.0
# After the first record of a batch, wait this long for more before writing: under load this turns one
# transaction (chain lock, head read, insert) per request into one per LINGER_S, and no request waits on it.
# 0.25 s rather than 0.02 or 0.1: a batch costs about 2.5 ms of CPU whatever its size (a transaction of
# seven round trips; the rows themselves go by COPY), which at a few hundred requests a second was still a
# few percent of the gateway's CPU per read (B3). A record reaches the chain at most this much later, and
# flush() (shutdown, tests) still waits for every record submitted.
LINGER_S = 0.25


class AccessAuditWriter:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], batch_size: int = 500, max_queue: int = 50_000
    ) -> None:
        self.sessionmaker = sessionmaker
        self.batch_size = batch_size
        self.queue: asyncio.Queue[AuditEntry] = asyncio.Queue(maxsize=max_queue)
        # Records refused because the queue was full (a long database outage); the count itself is
        # written to the chain once the database is back, so the gap is on the record.
        self.dropped = 0
        self._task: asyncio.Task[None] | None = None

    def submit(self, entry: AuditEntry) -> None:
        """Never blocks the request: a full queue drops the record and counts it."""
        try:
            self.queue.put_nowait(entry)
        except asyncio.QueueFull:
            self.dropped += 1

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-access-audit")

    async def flush(self, timeout_s: float = 10.0) -> None:
        """Wait until everything submitted so far is written (tests, shutdown)."""
        await asyncio.wait_for(self.queue.join(), timeout_s)

    async def stop(self, timeout_s: float = 5.0) -> None:
        with contextlib.suppress(TimeoutError):
            await self.flush(timeout_s)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            taken = [await self.queue.get()]
            if self.queue.qsize() < self.batch_size:
                await asyncio.sleep(LINGER_S)
            while len(taken) < self.batch_size and not self.queue.empty():
                taken.append(self.queue.get_nowait())
            batch = list(taken)
            if self.dropped:
                batch.append(
                    AuditEntry(
                        actor="gateway",
                        action="audit.dropped",
                        subject="access",
                        division="000000000000",
                        detail={"count": self.dropped},
                    )
                )
                self.dropped = 0
            await self._write(batch)
            for _ in taken:
                self.queue.task_done()

    async def _write(self, batch: list[AuditEntry]) -> None:
        delay = 0.2
        while True:
            try:
                async with self.sessionmaker() as session, session.begin():
                    await append_entries(session, batch)
                return
            except (SQLAlchemyError, OSError) as exc:
                if not is_database_outage(exc):
                    # Not an outage: something in the batch cannot be stored. Keep the rest of the chain
                    # moving rather than blocking every later record behind it.
                    log.exception("dropping %d access audit records that cannot be stored", len(batch))
                    return
                log.warning("audit write failed (%s); retrying in %.1fs", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)
