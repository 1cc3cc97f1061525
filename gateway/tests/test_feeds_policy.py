"""The feed policy file validates, and masking never lets a full resident ID above the county."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from fupin_contracts import identification, registry
from fupin_gateway.feeds.consumer import FeedRouter, copy_id, declared_feeds
from fupin_gateway.feeds.known_types import known_event_types
from fupin_gateway.feeds.masking import mask_event, scrub
from fupin_gateway.feeds.policy import FeedPolicy, glob_to_like, identity_tier, load_policy
from fupin_gateway.feeds.repository import FeedRow
from fupin_gateway.feeds.views import event_view
from fupin_kit.auth.actor import Actor
from fupin_kit.envelope import new_event
from fupin_kit.pii import check_digit
from fupin_kit.settings import repository_root

# Not inside a longer token: a hex digest (an audit hash, a blind index) can hold 18 digits in a row.
FULL_ID = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9X](?![0-9A-Za-z])")
POLICY_FILE = repository_root() / "deploy" / "feed-policy.yaml"


def resident_id(first17: str) -> str:
    return first17 + check_digit(first17)


@pytest.fixture(scope="module")
def policy() -> FeedPolicy:
    return load_policy(POLICY_FILE)


def test_deployed_policy_loads_and_covers_every_tier(policy):
    for tier in ("province", "city", "county", "township", "village"):
        assert policy.for_tier(tier) is not None
    province = policy.for_tier("province")
    assert province.receives("fupin.registry.household.registered.v1")
    assert not province.receives("fupin.assistance.visit.logged.v1")  # declared by no contract yet


def test_village_receives_the_identification_events_the_service_emits(policy):
    """G4: the village's globs named aggregates (application, notice) the service never emits."""
    village = policy.for_tier("village")
    for event_type in (
        identification.event_type("identification", "open"),
        identification.event_type("identification", "open_notice"),  # the public notice
        identification.event_type("identification", "close_notice"),
        identification.event_type("exit", "exit_announce"),
        identification.event_type("monitoring", "county_decide"),
        identification.OBJECTION_OPENED,
        identification.OBJECTION_RESOLVED,
        identification.CASE_ANNOUNCED,
    ):
        assert event_type in known_event_types()
        assert village.receives(event_type), event_type


def test_every_declared_event_type_reaches_some_tier(policy):
    """The other direction: a contract added without a policy line would reach no tier."""
    unreached = [
        event_type
        for event_type in sorted(known_event_types())
        if not any(policy.for_tier(tier).receives(event_type) for tier in policy.tiers)
    ]
    assert not unreached
    assert known_event_types() >= set(registry.PAYLOADS) | set(identification.PAYLOADS)


def test_globs_matching_no_declared_type_are_refused(policy):
    base = policy.model_dump(mode="json")
    for receive, exclude in (
        (["fupin.registry.*", "fupin.identification.application.*"], []),
        (["fupin.registry.*"], ["fupin.registry.househod.*"]),
        (["fupin.gateway.*"], []),
    ):
        village = {**base["tiers"]["village"], "receive": receive, "exclude": exclude}
        with pytest.raises(ValidationError, match="matches no event type"):
            FeedPolicy.model_validate({**base, "tiers": {**base["tiers"], "village": village}})


def test_policy_rejects_mistakes(policy):
    base = policy.model_dump(mode="json")
    missing = {**base, "tiers": {k: v for k, v in base["tiers"].items() if k != "village"}}
    with pytest.raises(ValidationError, match="missing tiers"):
        FeedPolicy.model_validate(missing)
    unmasked_city = {**base, "tiers": {**base["tiers"], "city": {"receive": ["fupin.*"]}}}
    with pytest.raises(ValidationError, match="must mask"):
        FeedPolicy.model_validate(unmasked_city)
    bad_glob = {**base, "tiers": {**base["tiers"], "village": {"receive": ["fupin.[ab]*"]}}}
    with pytest.raises(ValidationError, match="wildcards"):
        FeedPolicy.model_validate(bad_glob)
    typo = {**base, "tiers": {**base["tiers"], "county": {"receive": ["fupin.*"], "mask_names": ["x"]}}}
    with pytest.raises(ValidationError):
        FeedPolicy.model_validate(typo)


def test_glob_to_like_escapes_like_wildcards():
    assert glob_to_like("fupin.registry.household_member.*") == "fupin.registry.household\\_member.%"
    assert glob_to_like("fupin.?.x") == "fupin._.x"


def test_masking_above_county_and_full_identity_below(policy):
    rid = resident_id("52010219850312004")
    body = new_event(
        service="registry",
        type="fupin.registry.household.registered.v1",
        aggregate="household",
        aggregate_id="h1",
        division="520102001001",
        data={
            "head_name": "张三丰",
            "resident_id": rid,
            "members": [{"name": "李四", "resident_id": rid, "resident_id_index": "ab" * 32}],
            "note": f"户主身份证 {rid} 已核验",  # not a policy field: the scrubber must catch it
            "ids": {rid: "keyed by an ID"},
            "bank_account": "6222020000000000000",
            "long_number": "1" * 19,  # not an ID, but a run of digits an account number may be
        },
    ).model_dump(mode="json", exclude_none=True)
    for tier in ("province", "city"):
        masked = mask_event(body, tier, policy.for_tier(tier))
        assert not FULL_ID.search(str(masked)), masked
        assert masked["data"]["head_name"] == "张**"
        assert masked["data"]["members"][0]["name"] == "李*"
        assert "resident_id_index" not in masked["data"]["members"][0]  # a linkable pseudonym
        assert masked["data"]["resident_id"] == rid[:6] + "********" + rid[-4:]
        assert "bank_account" not in masked["data"]
        assert masked["data"]["long_number"] == "*" * 15 + "1111"
        assert masked["id"] == body["id"] and masked["division"] == body["division"]
    county = mask_event(body, "county", policy.for_tier("county"))
    assert county["data"]["resident_id"] == rid and county["data"]["head_name"] == "张三丰"
    assert county["data"]["members"][0]["resident_id_index"] == "ab" * 32
    assert "bank_account" not in county["data"]
    assert body["data"]["resident_id"] == rid  # the stored body is never modified


def test_a_countyless_city_is_masked_as_the_county_whose_powers_it_holds(policy):
    """QA5 feeds-admin #6: the feed's masking follows Actor.sees_full_identity, so 东莞's government (a
    city without counties) gets the county's rules, while a city with counties keeps the city's."""
    rid = resident_id("44190019840818699")
    body = new_event(
        service="registry",
        type="fupin.registry.household.registered.v1",
        aggregate="household",
        aggregate_id="h1",
        division="441900003001",
        data={
            "head_name": "陈大明",
            "members": [{"name": "李小红", "resident_id": rid, "resident_id_index": "ab"}],
        },
    ).model_dump(mode="json", exclude_none=True)
    dongguan = Actor(subject="user:dg", tier="city", division="441900000000", roles=frozenset({"viewer"}))
    assert dongguan.sees_full_identity and identity_tier(dongguan) == "county"
    dongguan_policy = policy.for_actor(dongguan)
    assert dongguan_policy.receive == policy.for_tier("city").receive  # what it receives: the city's
    masked = mask_event(body, identity_tier(dongguan), dongguan_policy)
    assert masked["data"] == body["data"]
    guiyang = Actor(subject="user:gy", tier="city", division="520100000000", roles=frozenset({"viewer"}))
    assert identity_tier(guiyang) == "city" and policy.for_actor(guiyang) == policy.for_tier("city")
    masked = mask_event(body, identity_tier(guiyang), policy.for_actor(guiyang))
    assert masked["data"]["head_name"] == "陈**" and masked["data"]["members"][0] == {
        "name": "李**",
        "resident_id": rid[:6] + "********" + rid[-4:],
    }


def test_scrubber_masks_mobile_numbers_in_free_text():
    """An objector's or a cadre's phone number typed into a reason reaches no tier above the county, as the
    services' APIs mask it; division codes and UUID groups are left alone."""
    text = "经核实举报人张伟(13912345678)反映不属实，村 520102001001，案 1a2b3c4d-0000-4000-8000-139123456789"
    assert scrub({"reason": text})["reason"] == text.replace("13912345678", "139****5678", 1)


def test_scrubber_masks_lower_case_check_character():
    rid = resident_id("11010519491231002")[:17] + "x"
    assert scrub(rid) == rid[:6] + "********" + rid[-4:]


def test_copy_ids_and_target_provinces(policy):
    topics, provinces = declared_feeds(repository_root() / "deploy" / "topics.yaml")
    assert "fupin.registry.events.v1" in topics and "52" in provinces
    router = FeedRouter(policy, provinces)
    event = new_event(
        service="registry",
        type="fupin.registry.household.registered.v1",
        aggregate="household",
        aggregate_id="h1",
        division="520102001001",
        data={},
        extra_divisions=["530102001001", "520103000000", "990000000000", "bad"],
    )
    # Home first, each province once, undeclared (99) and malformed codes skipped.
    assert router.target_provinces(event) == ["52", "53"]
    assert copy_id(event.id, "52", "52") == event.id
    assert copy_id(event.id, "53", "52") == uuid.uuid5(event.id, "53") != event.id


def test_above_the_county_a_births_day_is_withheld(policy):
    """QA10-REG-1: a child born into a household joins it on its birth date, the digits its masked ID
    hides; above the county the feeds withhold that day, as the registry withholds birth dates there."""
    rid = resident_id("52010220250303002")

    def added(change: str, day: str) -> dict[str, Any]:
        return new_event(
            service="registry",
            type="fupin.registry.member.added.v1",
            aggregate="household",
            aggregate_id="h1",
            division="520102016001",
            data={
                "household_id": str(uuid.uuid4()),
                "division": "520102016001",
                "change": change,
                "effective_on": day,
                "reason": "户籍变动",
                "member": {
                    "member_id": str(uuid.uuid4()),
                    "name": "吴囡",
                    "sex": "female",
                    "id_kind": "resident_id",
                    "resident_id_masked": rid[:6] + "********" + rid[-4:],
                    "relation": "daughter",
                    "health": "healthy",
                    "labour_capacity": "none",
                    "status": "active",
                },
                "member_count": 3,
            },
        ).model_dump(mode="json", exclude_none=True)

    birth, move_in = added("birth", "2025-03-03"), added("move_in", "2025-04-01")
    birth["time"] = "2026-01-01T15:59:59Z"  # 2026-01-01 23:59:59 in China: recorded in 2026
    for tier in ("nation", "province", "city"):
        masked = mask_event(birth, tier, policy.for_tier(tier))
        assert "2025-03-03" not in str(masked)
        # Still a date, as the published contract says: 1 January of the year it was recorded, flagged.
        assert masked["data"]["effective_on"] == "2026-01-01"
        assert masked["data"]["effective_on_withheld"] is True
        registry.MemberAddedV1.model_validate(masked["data"])
        # Every join's day, not only a flagged one: an event stored before the flag existed carries
        # none, and a baby's move-in looks like any other (QA10 verifier2 NEW-2).
        adult = mask_event(move_in, tier, policy.for_tier(tier))["data"]
        assert adult["effective_on"].endswith("-01-01") and adult["effective_on_withheld"] is True
    for tier in ("county", "township", "village"):
        full = mask_event(birth, tier, policy.for_tier(tier))["data"]
        assert full["effective_on"] == "2025-03-03" and "effective_on_withheld" not in full
        assert mask_event(move_in, tier, policy.for_tier(tier))["data"]["effective_on"] == "2025-04-01"
    # QA10-P1: a baby moving in joins near its birth date too; the registry says so (joined_in_infancy).
    baby = added("move_in", "2025-03-04")
    baby["data"]["joined_in_infancy"] = True
    for tier in ("nation", "province", "city"):
        masked = mask_event(baby, tier, policy.for_tier(tier))["data"]
        assert masked["effective_on"].endswith("-01-01") and masked["effective_on_withheld"] is True
    assert mask_event(baby, "county", policy.for_tier("county"))["data"]["effective_on"] == "2025-03-04"
    assert birth["data"]["effective_on"] == "2025-03-03"  # the stored body is never modified


def test_above_the_county_who_resolved_stays_in_the_platform_and_every_view_names_the_actors_tier(policy):
    """QA10 integrator F2/F3: `resolved_by` (an account name) reached the province, city and nation although
    the feeds pass on no `actorid`; and the provincial topics carried `actortier` where the pull API and the
    stream did not."""
    body = new_event(
        service="identification",
        type="fupin.identification.objection.resolved.v1",
        aggregate="objection",
        aggregate_id="o1",
        division="520102016001",
        actor_id="user:wang.township",
        actor_tier="township",
        data={
            "objection_id": str(uuid.uuid4()),
            "notice_id": str(uuid.uuid4()),
            "case_id": str(uuid.uuid4()),
            "division": "520102016001",
            "status": "dismissed",
            "opened_at": "2026-11-20T08:00:00Z",
            "due_at": "2026-11-27T08:00:00Z",
            "resolved_by": "user:wang.township",
            "resolution": "经核实不属实",
        },
    ).model_dump(mode="json", exclude_none=True)
    for tier in ("nation", "province", "city"):
        masked = mask_event(body, tier, policy.for_tier(tier))
        assert "resolved_by" not in masked["data"]
        identification.ObjectionV1.model_validate(masked["data"])
    county = mask_event(body, "county", policy.for_tier("county"))
    assert county["data"]["resolved_by"] == "user:wang.township"

    row = FeedRow(
        seq=7,
        event_id=uuid.UUID(body["id"]),
        division=body["division"],
        type=body["type"],
        time=datetime.now(UTC),
        body=body,
    )
    for tier in ("province", "county"):
        view = event_view(row, tier, policy.for_tier(tier))
        assert view["actortier"] == "township" and "actorid" not in view


def test_comparison_hits_stay_with_the_county_and_below(policy):
    """verifier3 F1-1/F1-2: a client whose push an admin took away (its scopes now `feeds.read`), or a
    feed-only client of the same organisation as a pushing one, read on a city's feed the hits its lists
    had opened: which of the ID numbers tried belong to people in cases. No tier above the county receives
    comparison events (the Kafka topics of the provinces included: the province's rules apply at copy
    time); the county and below, and a city without counties (it holds the county's powers), do."""
    hit_types = (identification.COMPARISON_HIT_OPENED, identification.COMPARISON_HIT_RESOLVED)
    for tier in ("nation", "province", "city"):
        tier_policy = policy.for_tier(tier)
        assert not any(tier_policy.receives(event_type) for event_type in hit_types), tier
        assert tier_policy.receives(identification.CASE_ANNOUNCED), tier  # the rest of identification
    for tier in ("county", "township"):
        assert all(policy.for_tier(tier).receives(event_type) for event_type in hit_types), tier
    guiyang = Actor(
        subject="client:gy", tier="city", division="520100000000", roles=frozenset(), kind="client"
    )
    assert not policy.for_actor(guiyang).receives(identification.COMPARISON_HIT_OPENED)
    dongguan = Actor(subject="user:dg", tier="city", division="441900000000", roles=frozenset({"viewer"}))
    assert policy.for_actor(dongguan).receives(identification.COMPARISON_HIT_OPENED)


def test_a_policy_sending_comparison_hits_above_the_county_is_refused(policy):
    base = policy.model_dump(mode="json")
    for tier in ("nation", "province", "city"):
        opened = {**base["tiers"][tier], "exclude": []}
        with pytest.raises(ValidationError, match=r"must not receive fupin\.identification\.comparison"):
            FeedPolicy.model_validate({**base, "tiers": {**base["tiers"], tier: opened}})


def test_what_a_departments_list_opened_is_withheld_above_the_county(policy):
    """s17 verifier F1/F2: a warning a list opened (discovery department_push) and a confirmed exclusion
    stay with the county and below, as the hits do; a warning a cadre opened goes up as before. So do the
    later steps of each (every event of a monitoring case names its discovery)."""
    opened = "fupin.identification.monitoring.opened.v1"
    later = ("fupin.identification.monitoring.visited.v1", "fupin.identification.monitoring.decided.v1")
    pushed = {"discovery": "department_push"}
    for tier in ("nation", "province", "city"):
        tier_policy = policy.for_tier(tier)
        assert not tier_policy.receives_event(opened, pushed), tier
        assert tier_policy.receives_event(opened, {"discovery": "cadre_visit"}), tier
        for step in later:
            assert not tier_policy.receives_event(step, pushed), (tier, step)
            assert tier_policy.receives_event(step, {"discovery": "cadre_visit"}), (tier, step)
        assert tier_policy.receives_event(opened, {}), tier  # events stored before the field
        assert not tier_policy.receives(identification.EXCLUSION_CONFIRMED), tier
    for tier in ("county", "township", "village"):
        assert policy.for_tier(tier).receives_event(opened, pushed), tier
        assert all(policy.for_tier(tier).receives_event(step, pushed) for step in later), tier
    assert policy.for_tier("county").receives(identification.EXCLUSION_CONFIRMED)
    dongguan = Actor(subject="user:dg", tier="city", division="441900000000", roles=frozenset({"viewer"}))
    assert policy.for_actor(dongguan).receives_event(opened, pushed)
    base = policy.model_dump(mode="json")
    for tier in ("nation", "province", "city"):
        told = {**base["tiers"][tier], "exclude_discovered_by": []}
        with pytest.raises(ValidationError, match="department_push"):
            FeedPolicy.model_validate({**base, "tiers": {**base["tiers"], tier: told}})
