"""The deployed feed policy: a household's plan (plan.set) from the province down, with its typed texts
dropped above the county (the exit year is the aggregate-level figure); every other assistance event from
the county down only (helpers, first secretaries, visitors and signing members are named in them)."""

from __future__ import annotations

import uuid

from fupin_contracts import assistance as contracts
from fupin_gateway.feeds.masking import mask_event
from fupin_gateway.feeds.policy import load_policy
from fupin_kit.settings import repository_root

POLICY_FILE = repository_root() / "deploy" / "feed-policy.yaml"
FROM_THE_PROVINCE_DOWN = {contracts.PLAN_SET}


def test_assistance_events_reach_the_tiers_entitled_to_them() -> None:
    policy = load_policy(POLICY_FILE)
    for event_type in contracts.PAYLOADS:
        for tier in ("county", "township", "village"):
            found = policy.for_tier(tier)
            assert found is not None and found.receives(event_type), (tier, event_type)
        above = ("province", "city") if event_type in FROM_THE_PROVINCE_DOWN else ()
        for tier in ("nation", "province", "city"):
            found = policy.for_tier(tier)
            receives = found is not None and found.receives(event_type)
            assert receives == (tier in above), (tier, event_type)


def test_a_plan_reaches_the_province_without_its_typed_texts() -> None:
    policy = load_policy(POLICY_FILE)
    plan = contracts.PlanSetV1(
        plan_id=uuid.uuid4(),
        household_id=uuid.uuid4(),
        division="520102016001",
        version=2,
        target_year=2027,
        plan_summary="张三丰家发展养殖",
        plan_reason="因病调整",
        replaces=uuid.uuid4(),
    )
    body = {"type": contracts.PLAN_SET, "data": plan.model_dump(mode="json")}
    for tier in ("province", "city"):
        found = policy.for_tier(tier)
        assert found is not None
        data = mask_event(body, tier, found)["data"]
        assert data["target_year"] == 2027 and data["version"] == 2
        assert "plan_summary" not in data and "plan_reason" not in data
    county = policy.for_tier("county")
    assert county is not None
    assert mask_event(body, "county", county)["data"]["plan_summary"] == "张三丰家发展养殖"
