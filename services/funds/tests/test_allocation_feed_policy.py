"""The deployed feed policy sends allocations (public money, no person) from the nation down to the county
receiving them, never to the township or the village, and the findings on allocations and projects up to
the province, as the payment findings go."""

from __future__ import annotations

from fupin_contracts import funds as contracts
from fupin_gateway.feeds.policy import load_policy
from fupin_kit.settings import repository_root

POLICY_FILE = repository_root() / "deploy" / "feed-policy.yaml"
TIERS = ("nation", "province", "city", "county", "township", "village")


def _receivers(event_type: str) -> set[str]:
    policy = load_policy(POLICY_FILE)
    found = {tier: policy.for_tier(tier) for tier in TIERS}
    return {tier for tier, rules in found.items() if rules is not None and rules.receives(event_type)}


def test_allocations_go_from_the_nation_down_to_the_county() -> None:
    assert _receivers(contracts.ALLOCATION_MADE) == {"nation", "province", "city", "county"}


def test_no_allocation_field_is_masked_or_dropped_above_the_county() -> None:
    policy = load_policy(POLICY_FILE)
    fields = set(contracts.AllocationMadeV1.model_fields)
    for tier in ("nation", "province", "city"):
        found = policy.for_tier(tier)
        assert found is not None
        hidden = set(found.mask_name) | set(found.drop) | set(found.mask_resident_id)
        assert fields & hidden == set(), (tier, fields & hidden)


def test_findings_on_allocations_go_up_to_the_province() -> None:
    for event_type in (contracts.FUND_FINDING_RAISED, contracts.FUND_FINDING_RESOLVED):
        assert _receivers(event_type) == {"county", "city", "province"}, event_type
