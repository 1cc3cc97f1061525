"""A refusal by tier names the tiers in plain English (QA s17: "only the nation, province tier may do this")."""

from __future__ import annotations

import pytest

from fupin_kit.auth.actor import Actor, require_tier, tiers_phrase
from fupin_kit.problems import ProblemError


def test_tiers_are_listed_as_a_sentence_lists_them():
    assert tiers_phrase(["county"]) == "the county tier"
    assert tiers_phrase(["nation", "province"]) == "the nation or province tier"
    assert tiers_phrase(("nation", "province", "city")) == "the nation, province or city tier"


def test_require_tier_says_who_may():
    village = Actor(subject="user:v", tier="village", division="520102001001", roles=frozenset({"cadre"}))
    with pytest.raises(ProblemError) as refused:
        require_tier(village, "nation", "province")
    assert refused.value.detail == "only the nation or province tier may do this"
