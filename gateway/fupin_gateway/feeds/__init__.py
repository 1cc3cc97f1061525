"""Tier feeds: the feed router (consumer), the feed store, and the pull / SSE API with per-tier policy.

`Feeds(settings)` loads and validates the policy when the app is created, so a bad policy file stops the
gateway at start instead of surfacing on the first request.
"""

from __future__ import annotations

from fastapi import FastAPI

from fupin_gateway.config import GatewaySettings
from fupin_gateway.feeds.consumer import FeedRouter, declared_feeds, feed_consumer_spec
from fupin_gateway.feeds.notify import FeedSignal
from fupin_gateway.feeds.policy import FeedPolicy, load_policy
from fupin_gateway.feeds.router import router
from fupin_gateway.feeds.runtime import FeedRuntime
from fupin_kit.consumer import ConsumerSpec


class Feeds:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        path = settings.feed_policy_file or settings.home / "deploy" / "feed-policy.yaml"
        self.policy: FeedPolicy = load_policy(path)
        topics, provinces = declared_feeds(settings.topics_file)
        self.consumer: ConsumerSpec = feed_consumer_spec(
            FeedRouter(self.policy, provinces), topics, settings.feed_router_group
        )
        self.router = router

    async def start(self, app: FastAPI) -> None:
        signal = FeedSignal(self.settings.service_database_url())
        app.state.feeds = FeedRuntime(
            policy=self.policy,
            signal=signal,
            keepalive_s=self.settings.feed_keepalive_s,
            stream_max_s=self.settings.feed_stream_max_s,
        )
        if self.settings.role != "worker":  # a worker serves no streams
            signal.start()

    async def stop(self, app: FastAPI) -> None:
        runtime: FeedRuntime | None = getattr(app.state, "feeds", None)
        if runtime is not None:
            await runtime.signal.stop()


__all__ = ["Feeds"]
