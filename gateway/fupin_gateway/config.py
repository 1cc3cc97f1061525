"""Gateway settings: where each service listens."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from fupin_kit.settings import DEFAULT_PORTS, SERVICE_NAMES, KitSettings


def default_upstreams() -> dict[str, str]:
    return {name: f"http://127.0.0.1:{DEFAULT_PORTS[name]}" for name in SERVICE_NAMES}


class GatewaySettings(KitSettings):
    # JSON in FUPIN_UPSTREAMS, e.g. {"registry": "http://registry:8001"}.
    upstreams: dict[str, str] = Field(default_factory=default_upstreams)
    # Tier feeds. The router's consumer group is a setting so two deployments (or tests) sharing one
    # broker do not share offsets; the policy defaults to <home>/deploy/feed-policy.yaml.
    feed_router_group: str = "gateway-feed-router"
    feed_policy_file: Path | None = None
    feed_keepalive_s: float = Field(default=15.0, gt=0, le=300)
    feed_stream_max_s: float = Field(default=900.0, gt=0)
    # Rate limit per caller (token subject, else client IP), per gateway process; 0 turns it off.
    rate_limit_per_s: float = Field(default=100.0, ge=0)
    rate_limit_burst: int = Field(default=200, ge=1)
    # How often the disabled-subject set is reloaded from the database (other processes' disables).
    blocklist_refresh_s: float = Field(default=3.0, gt=0, le=60)
    # Access audit: rows per write transaction, and records held in memory during a database outage.
    audit_batch_size: int = Field(default=500, ge=1, le=10_000)
    audit_queue_max: int = Field(default=50_000, ge=100)
