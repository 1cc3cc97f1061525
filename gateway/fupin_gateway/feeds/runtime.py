"""The feeds' per-process state, kept on app.state.feeds."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from fupin_gateway.feeds.notify import FeedSignal
from fupin_gateway.feeds.policy import FeedPolicy


@dataclass
class FeedRuntime:
    policy: FeedPolicy
    signal: FeedSignal
    keepalive_s: float
    # Streams end after this long and the client resumes with Last-Event-ID: a stream never outlives
    # the token it was opened with by much, and a deploy never waits on old connections for long.
    stream_max_s: float


def feed_runtime(request: Request) -> FeedRuntime:
    runtime: FeedRuntime = request.app.state.feeds
    return runtime
