"""The deployed feed policy sends every project event from the nation down (projects are public
information, domain.md §6), and nothing of them is masked as a person's name above the county; payments
(which name households) to the county and below; supervision findings to the county, city and province."""

from __future__ import annotations

from fupin_contracts import funds as contracts
from fupin_gateway.feeds.policy import load_policy
from fupin_kit.settings import repository_root

POLICY_FILE = repository_root() / "deploy" / "feed-policy.yaml"
TIERS = ("nation", "province", "city", "county", "township", "village")
PROJECT_TYPES = {
    event_type: model for event_type, model in contracts.PAYLOADS.items() if ".project." in event_type
}
FINDING_TYPES = (contracts.FINDING_RAISED, contracts.FINDING_RESOLVED)


def _receivers(event_type: str) -> set[str]:
    policy = load_policy(POLICY_FILE)
    found = {tier: policy.for_tier(tier) for tier in TIERS}
    return {tier for tier, rules in found.items() if rules is not None and rules.receives(event_type)}


def test_project_events_reach_every_tier() -> None:
    policy = load_policy(POLICY_FILE)
    for event_type in PROJECT_TYPES:
        for tier in TIERS:
            found = policy.for_tier(tier)
            assert found is not None and found.receives(event_type), (tier, event_type)


def test_no_project_field_is_masked_or_dropped_above_the_county() -> None:
    policy = load_policy(POLICY_FILE)
    fields = {name for model in PROJECT_TYPES.values() for name in model.model_fields}
    for tier in ("nation", "province", "city"):
        found = policy.for_tier(tier)
        assert found is not None
        hidden = set(found.mask_name) | set(found.drop) | set(found.mask_resident_id)
        assert fields & hidden == set(), (tier, fields & hidden)


def test_payments_stay_with_the_county_and_below() -> None:
    assert _receivers(contracts.PAYMENT_RECORDED) == {"county", "township", "village"}


def test_findings_go_up_to_the_province() -> None:
    for event_type in FINDING_TYPES:
        assert _receivers(event_type) == {"county", "city", "province"}, event_type
