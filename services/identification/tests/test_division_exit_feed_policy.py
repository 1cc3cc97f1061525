"""The deployed feed policy sends a poor division's designation and every step of its exit procedure to
every tier at or above it: the village's own (listed aggregate by aggregate for the village tier) and a
county's from the county up (the feed router sends an event only to the tiers whose subtree holds its
division). No field of them is masked or dropped on the way up: they name divisions, never people."""

from __future__ import annotations

from fupin_contracts import identification as contracts
from fupin_gateway.feeds.policy import load_policy
from fupin_kit.settings import repository_root

POLICY_FILE = repository_root() / "deploy" / "feed-policy.yaml"
TIERS = ("nation", "province", "city", "county", "township", "village")
TYPES = (
    contracts.POOR_DIVISION_DESIGNATED,
    contracts.DIVISION_EXIT_PROPOSED,
    contracts.DIVISION_EXIT_PROGRESSED,
    contracts.DIVISION_EXIT_APPROVED,
    contracts.DIVISION_EXIT_REJECTED,
    contracts.DIVISION_EXIT_WITHDRAWN,
)


def test_every_tier_receives_the_designations_and_exit_steps() -> None:
    policy = load_policy(POLICY_FILE)
    for event_type in TYPES:
        receivers = set()
        for tier in TIERS:
            rules = policy.for_tier(tier)
            if rules is not None and rules.receives(event_type):
                receivers.add(tier)
        assert receivers == set(TIERS), event_type


def test_no_field_is_masked_or_dropped_above_the_county() -> None:
    policy = load_policy(POLICY_FILE)
    fields = set(contracts.DivisionExitV1.model_fields) | set(contracts.PoorDivisionDesignatedV1.model_fields)
    for tier in ("nation", "province", "city"):
        found = policy.for_tier(tier)
        assert found is not None
        hidden = set(found.mask_name) | set(found.drop) | set(found.mask_resident_id)
        assert fields & hidden == set(), (tier, fields & hidden)
