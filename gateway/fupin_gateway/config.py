"""Gateway settings: where each service listens, feeds, rate limits, lockout, audit."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from fupin_gateway.identity.throttle import Policy
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
    # Account lockout (identity/throttle.py): this many failed sign-ins for one name (a person's or an
    # evaluator's, or a client id) within the window lock the name for lock_s, the right secret included;
    # 0 failures turns it off. Counted in the database: the same for every replica and across restarts.
    sign_in_max_failures: int = Field(default=10, ge=0, le=10_000)
    sign_in_failure_window_s: int = Field(default=900, ge=1, le=86_400)
    sign_in_lock_s: int = Field(default=900, ge=1, le=86_400)
    # The longest access window of a third-party evaluator (about three years: a multi-year evaluation
    # contract); windows are time-boxed, never open-ended.
    evaluator_window_max_days: int = Field(default=1096, ge=1, le=36_600)
    # How often the disabled-subject set is reloaded from the database (other processes' disables).
    blocklist_refresh_s: float = Field(default=3.0, gt=0, le=60)
    # Access audit: rows per write transaction, and records held in memory during a database outage.
    audit_batch_size: int = Field(default=500, ge=1, le=10_000)
    audit_queue_max: int = Field(default=50_000, ge=100)

    def sign_in_policy(self) -> Policy:
        return Policy(self.sign_in_max_failures, self.sign_in_failure_window_s, self.sign_in_lock_s)
