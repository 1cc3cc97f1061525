"""Wake-ups for the SSE streams: one LISTEN connection per gateway process, fanned out to the streams.

The feed router NOTIFYs with the event's division on commit (from whichever gateway process consumed
it). A stream waits only for divisions inside its own subtree. NOTIFY is a hint, never the source of
truth: streams always re-read the store, and poll with a backoff while the listener is disconnected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import asyncpg
from sqlalchemy.engine import make_url

from fupin_gateway.feeds.tables import FEED_CHANNEL

log = logging.getLogger(__name__)
RECONNECT_S = 2.0


@dataclass(eq=False)
class Waiter:
    lo: str
    hi: str
    event: asyncio.Event = field(default_factory=asyncio.Event)


class FeedSignal:
    def __init__(self, database_url: str) -> None:
        # asyncpg directly (not the pool): a LISTEN connection is held for the process's lifetime.
        self._dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._waiters: set[Waiter] = set()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.listening = False

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="feed-listener")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, 5.0)
            self._task = None

    @contextlib.contextmanager
    def subscribe(self, subtree: tuple[str, str]) -> Iterator[Waiter]:
        waiter = Waiter(*subtree)
        self._waiters.add(waiter)
        try:
            yield waiter
        finally:
            self._waiters.discard(waiter)

    def notify(self, division: str = "") -> None:
        for waiter in self._waiters:
            if not division or waiter.lo <= division <= waiter.hi:
                waiter.event.set()

    def _on_notification(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        self.notify(str(payload or ""))

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._listen_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("feed listener disconnected (%s); streams poll until it is back", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), RECONNECT_S)

    async def _listen_once(self) -> None:
        connection = await asyncpg.connect(self._dsn, timeout=5)
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _conn: lost.set())
        try:
            await connection.add_listener(FEED_CHANNEL, self._on_notification)
            self.listening = True
            # Anything committed while we were not listening: let every stream re-read once.
            self.notify()
            stopping = asyncio.create_task(self._stopping.wait())
            closed = asyncio.create_task(lost.wait())
            try:
                await asyncio.wait({stopping, closed}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
                closed.cancel()
        finally:
            self.listening = False
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 2.0)
