"""The SSE stream of a caller's feed: `id` = seq, `event` = type, `data` = the masked event as JSON.

It re-reads the store (`seq > last sent`) whenever the feed signal says an event in the caller's subtree
was committed, or a poll timer runs out, so a resumed stream (Last-Event-ID) misses nothing and repeats
nothing: the cursor is the seq, and feed-store seqs commit in order. Disconnects need no code here: the
server cancels the generator (ASGI < 2.4) or the next write fails (2.4), and the `with` releases the
subscription.

A stream also ends, with a closing comment, once its token would no longer be accepted: the subject is
disabled, or its not-before passes the token's `iat` (the gateway's blocklist), or the token's `exp` passes. The token is checked when the stream
opens only, so without this an open stream would outlive both; it is re-checked at least every
GUARD_CHECK_S, between reads, without extra queries.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Protocol

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fupin_gateway.feeds import repository
from fupin_gateway.feeds.policy import TierPolicy, identity_tier
from fupin_gateway.feeds.runtime import FeedRuntime
from fupin_gateway.feeds.views import event_view
from fupin_kit.auth.actor import Actor

BATCH = 200
# Polling backoff while the LISTEN connection is down (NOTIFY wake-ups are unavailable).
POLL_MIN_S = 0.25
POLL_MAX_S = 3.0
RETRY_MS = 2000
# How late a disable may end an open stream at most (the blocklist is in memory: checking is cheap).
GUARD_CHECK_S = 1.0


class Refuser(Protocol):
    """What the guard asks (identity.blocklist.Blocklist): would a token of `subject` issued at
    `issued_at` be refused?"""

    def refuses(self, subject: str, issued_at: float | None) -> bool: ...


@dataclass
class StreamGuard:
    """Whether the stream's token would still be accepted: not expired, not refused by the blocklist."""

    subject: str
    expires_at: float  # the token's exp (epoch seconds)
    blocklist: Refuser
    issued_at: float | None = None  # the token's iat (epoch seconds, to the millisecond)
    clock: Callable[[], float] = field(default=time.time)

    def refusal(self) -> str | None:
        if self.clock() >= self.expires_at:
            return "token expired"
        if self.blocklist.refuses(self.subject, self.issued_at):
            return "token revoked"
        return None

    def seconds_left(self) -> float:
        return max(self.expires_at - self.clock(), 0.0)


def sse_event(seq: int, event_type: str, data: bytes) -> bytes:
    # orjson never emits a raw newline, so `data` is always one line.
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (seq, event_type.encode(), data)


def sse_comment(text: str) -> bytes:
    return f": {text}\n\n".encode()


async def event_stream(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    runtime: FeedRuntime,
    actor: Actor,
    policy: TierPolicy,
    after: int,
    guard: StreamGuard,
) -> AsyncIterator[bytes]:
    started = last_write = time.monotonic()
    tier = identity_tier(actor)  # whose masking applies (policy.for_actor)
    # First bytes at once: the client knows the stream is open, and learns its reconnection delay.
    yield b"retry: %d\n" % RETRY_MS + sse_comment(f"resuming after {after}")
    backoff = POLL_MIN_S
    with runtime.signal.subscribe(actor.subtree) as waiter:
        while time.monotonic() - started < runtime.stream_max_s:
            refusal = guard.refusal()
            if refusal is not None:
                yield sse_comment(f"{refusal}; stream closed")
                return
            # Cleared before the read: a NOTIFY arriving during the read sets it again, so no wake-up
            # is lost between the read and the wait.
            waiter.event.clear()
            async with sessionmaker() as session:
                rows = await repository.events_after(
                    session,
                    subtree=actor.subtree,
                    after=after,
                    limit=BATCH,
                    policy=policy,
                )
            for row in rows:
                yield sse_event(row.seq, row.type, orjson.dumps(event_view(row, tier, policy)))
                after = row.seq
            now = time.monotonic()
            if rows:
                last_write, backoff = now, POLL_MIN_S
                if len(rows) == BATCH:
                    continue  # more are waiting
            elif now - last_write >= runtime.keepalive_s:
                yield sse_comment("keep-alive")
                last_write = now
            until_keepalive = max(runtime.keepalive_s - (time.monotonic() - last_write), 0.05)
            timeout = until_keepalive if runtime.signal.listening else min(backoff, until_keepalive)
            backoff = min(backoff * 2, POLL_MAX_S)
            await _wait(waiter.event, timeout, guard)
    yield sse_comment("stream period over; reconnect with Last-Event-ID")


async def _wait(event: asyncio.Event, timeout: float, guard: StreamGuard) -> None:
    """Wait for a wake-up or the timeout, returning early (without reading the store) as soon as the
    guard refuses the token: the caller's loop then ends the stream."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        step = min(left, GUARD_CHECK_S, guard.seconds_left() + 0.01)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), step)
            return
        if guard.refusal() is not None:
            return
