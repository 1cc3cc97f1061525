"""The declarative tier feed policy (deploy/feed-policy.yaml), validated with pydantic at start-up.

A policy error must stop the gateway: a typo that silently dropped a masking rule would leak personal
data, and one that dropped a receive pattern would silently starve a tier.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fupin_contracts.identification import (
    COMPARISON_HIT_OPENED,
    COMPARISON_HIT_RESOLVED,
    DISCOVERED_BY_PUSH,
    EXCLUSION_CONFIRMED,
)
from fupin_gateway.feeds.known_types import known_event_types
from fupin_kit import divisions
from fupin_kit.auth.actor import Actor

# Tiers the brief names as feed consumers; `nation` is optional (absent → it receives nothing).
REQUIRED_TIERS: tuple[str, ...] = ("province", "city", "county", "township", "village")
# Only `*` and `?`: both have exact SQL LIKE equivalents, so the type filter runs in the database and
# `LIMIT n` keeps meaning "n events this tier receives".
GLOB_PATTERN = re.compile(r"^[a-z0-9_.*?]+$")
# Events of the county's own work that no tier above it may receive: a department's list matching a member
# of a case. A hit on a feed above the county tells whoever pushed the list there, or shares an organisation
# with a system that did, which of the ID numbers it tried belong to people in cases.
COUNTY_ONLY_TYPES: tuple[str, ...] = (COMPARISON_HIT_OPENED, COMPARISON_HIT_RESOLVED, EXCLUSION_CONFIRMED)
# How an event came about (its data's `discovery`) that no tier above the county may receive: a monitoring
# warning a department's list opened tells, with its count and households, which entries matched.
COUNTY_ONLY_DISCOVERIES: frozenset[str] = frozenset({DISCOVERED_BY_PUSH})


def full_identity(tier: str) -> bool:
    """Full resident ID numbers and names are for the county tier and below (as Actor.sees_full_identity)."""
    return divisions.TIER_LEVELS[tier] >= divisions.Level.COUNTY


def identity_tier(actor: Actor) -> str:
    """The tier whose identity rules (masking, dropped fields, the scrubber) apply to an actor's feed: its
    own, but the county's for one above the county that sees full identity all the same
    (Actor.sees_full_identity: the government of a city without counties, which holds the county tier's
    powers and sees full identities in the API)."""
    if actor.sees_full_identity and not full_identity(actor.tier):
        return "county"
    return actor.tier


def glob_to_like(pattern: str) -> str:
    """fnmatch glob → SQL LIKE pattern (backslash escapes LIKE's own wildcards `%` and `_`)."""
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


class TierPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    receive: tuple[str, ...] = Field(min_length=1)
    exclude: tuple[str, ...] = ()
    # Events whose data's `discovery` is one of these are removed too, whatever their type.
    exclude_discovered_by: frozenset[str] = frozenset()
    mask_resident_id: frozenset[str] = frozenset()
    mask_name: frozenset[str] = frozenset()
    drop: frozenset[str] = frozenset()

    @field_validator("receive", "exclude")
    @classmethod
    def _globs(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            if not GLOB_PATTERN.match(pattern):
                raise ValueError(f"{pattern!r}: use lower-case type globs with only * and ? wildcards")
        return patterns

    def receives(self, event_type: str) -> bool:
        return any(fnmatch.fnmatchcase(event_type, p) for p in self.receive) and not any(
            fnmatch.fnmatchcase(event_type, p) for p in self.exclude
        )

    def receives_event(self, event_type: str, data: Any) -> bool:
        """receives(event_type), and the event did not come about in a way this tier is not told of."""
        if not self.receives(event_type):
            return False
        discovery = data.get("discovery") if isinstance(data, dict) else None
        return discovery not in self.exclude_discovered_by

    @property
    def receive_like(self) -> list[str]:
        return [glob_to_like(pattern) for pattern in self.receive]

    @property
    def exclude_like(self) -> list[str]:
        return [glob_to_like(pattern) for pattern in self.exclude]


class FeedPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(ge=1, le=1)
    tiers: dict[str, TierPolicy]

    @model_validator(mode="after")
    def _tiers(self) -> FeedPolicy:
        unknown = set(self.tiers) - set(divisions.TIER_LEVELS)
        if unknown:
            raise ValueError(f"unknown tiers: {', '.join(sorted(unknown))}")
        missing = [tier for tier in REQUIRED_TIERS if tier not in self.tiers]
        if missing:
            raise ValueError(f"missing tiers: {', '.join(missing)}")
        known = known_event_types()
        for name, tier in self.tiers.items():
            for pattern in (*tier.receive, *tier.exclude):
                if not any(fnmatch.fnmatchcase(event_type, pattern) for event_type in known):
                    raise ValueError(
                        f"tier {name}: {pattern!r} matches no event type declared in fupin_contracts"
                    )
            # The scrubber would still catch 18-digit IDs, but names have no pattern: insist on rules.
            if not full_identity(name) and not (tier.mask_resident_id and tier.mask_name):
                raise ValueError(f"tier {name} is above the county: it must mask resident IDs and names")
            county_only = [event_type for event_type in COUNTY_ONLY_TYPES if tier.receives(event_type)]
            if not full_identity(name) and county_only:
                raise ValueError(
                    f"tier {name} is above the county: it must not receive {', '.join(county_only)}"
                )
            untold = COUNTY_ONLY_DISCOVERIES - tier.exclude_discovered_by
            if not full_identity(name) and untold:
                raise ValueError(
                    f"tier {name} is above the county: it must exclude what was discovered by "
                    f"{', '.join(sorted(untold))} (exclude_discovered_by)"
                )
        return self

    def for_tier(self, tier: str) -> TierPolicy | None:
        """None means the tier receives nothing (deny by default)."""
        return self.tiers.get(tier)

    def for_actor(self, actor: Actor) -> TierPolicy | None:
        """The actor's tier's policy, with the identity rules of identity_tier(actor): a countyless city
        receives the city's events, masked as for the county whose powers it holds, and the county's work
        the tiers above it are refused (its exclusions are the county's)."""
        own = self.for_tier(actor.tier)
        rules_tier = identity_tier(actor)
        if own is None or rules_tier == actor.tier:
            return own
        rules = self.tiers[rules_tier]  # the county tier is required
        return own.model_copy(
            update={
                "mask_resident_id": rules.mask_resident_id,
                "mask_name": rules.mask_name,
                "drop": rules.drop,
                "exclude": rules.exclude,
                "exclude_discovered_by": rules.exclude_discovered_by,
            }
        )


def load_policy(path: Path) -> FeedPolicy:
    return FeedPolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
