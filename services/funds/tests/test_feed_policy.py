"""The deployed feed policy sends every project event from the nation down (projects are public
information, domain.md §6), and nothing of them is masked as a person's name above the county."""

from __future__ import annotations

from fupin_contracts import funds as contracts
from fupin_gateway.feeds.policy import load_policy
from fupin_kit.settings import repository_root

POLICY_FILE = repository_root() / "deploy" / "feed-policy.yaml"
TIERS = ("nation", "province", "city", "county", "township", "village")


def test_project_events_reach_every_tier() -> None:
    policy = load_policy(POLICY_FILE)
    for event_type in contracts.PAYLOADS:
        for tier in TIERS:
            found = policy.for_tier(tier)
            assert found is not None and found.receives(event_type), (tier, event_type)


def test_no_project_field_is_masked_or_dropped_above_the_county() -> None:
    policy = load_policy(POLICY_FILE)
    fields = {name for model in contracts.PAYLOADS.values() for name in model.model_fields}
    for tier in ("nation", "province", "city"):
        found = policy.for_tier(tier)
        assert found is not None
        hidden = set(found.mask_name) | set(found.drop) | set(found.mask_resident_id)
        assert fields & hidden == set(), (tier, fields & hidden)
