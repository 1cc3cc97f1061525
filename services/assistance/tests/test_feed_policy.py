"""The deployed feed policy sends every assistance event from the county down, and none above it (helpers'
and first secretaries' names and phones stay with the county, township and village)."""

from __future__ import annotations

from fupin_contracts import assistance as contracts
from fupin_gateway.feeds.policy import load_policy
from fupin_kit.settings import repository_root

POLICY_FILE = repository_root() / "deploy" / "feed-policy.yaml"


def test_assistance_events_reach_the_county_and_below_only() -> None:
    policy = load_policy(POLICY_FILE)
    for event_type in contracts.PAYLOADS:
        for tier in ("county", "township", "village"):
            found = policy.for_tier(tier)
            assert found is not None and found.receives(event_type), (tier, event_type)
        for tier in ("nation", "province", "city"):
            found = policy.for_tier(tier)
            assert found is None or not found.receives(event_type), (tier, event_type)
