"""Who is calling: subject, tier, division and roles, taken from a verified token."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fupin_kit import divisions
from fupin_kit.problems import forbidden, not_found

TIERS: tuple[str, ...] = ("nation", "province", "city", "county", "township", "village")


def sees_full_identity(tier: str, division: str) -> bool:
    """Full resident ID numbers are for the county tier and below (which includes a countyless city)."""
    return divisions.TIER_LEVELS[tier] >= divisions.Level.COUNTY or (
        tier == "city" and division in divisions.COUNTYLESS_CITIES
    )


@dataclass(frozen=True)
class Actor:
    subject: str
    tier: str
    division: str
    roles: frozenset[str]
    kind: str = "user"  # user | client | evaluator | system
    token_id: str | None = None
    # The OAuth2 scopes of a client's token (auth.client_scopes); None: the token has no scope claim.
    scopes: frozenset[str] | None = None
    # The token's `iat` (epoch seconds, to the millisecond): a token issued before its subject's not-before (a password reset,
    # a secret rotation, a change of roles or scopes) is refused. None: not from a token.
    issued_at: float | None = None

    @property
    def level(self) -> divisions.Level:
        return divisions.TIER_LEVELS[self.tier]

    @property
    def subtree(self) -> tuple[str, str]:
        """Inclusive code range of the caller's jurisdiction, for `division BETWEEN lo AND hi`."""
        return divisions.subtree_range(self.division)

    def covers(self, division: str) -> bool:
        return divisions.contains(self.division, division)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def tiers_held(self) -> frozenset[str]:
        """The tiers whose powers the caller holds: its own, and the county's for the government of a city
        without counties (divisions.COUNTYLESS_CITIES)."""
        if self.tier == "city" and self.division in divisions.COUNTYLESS_CITIES:
            return frozenset({"city", "county"})
        return frozenset({self.tier})

    def holds_tier(self, *tiers: str) -> bool:
        return not self.tiers_held.isdisjoint(tiers)

    @property
    def sees_full_identity(self) -> bool:
        return sees_full_identity(self.tier, self.division)


def require_within(actor: Actor, division: str, what: str = "resource") -> None:
    """An object outside the caller's jurisdiction does not exist for the caller: 404, never 403."""
    if not actor.covers(division):
        raise not_found(what)


def require_role(actor: Actor, *roles: str) -> None:
    if not actor.has_role(*roles):
        raise forbidden(f"requires one of the roles: {', '.join(sorted(roles))}")


def tiers_phrase(tiers: Iterable[str]) -> str:
    """ "the county tier", "the nation or province tier", "the nation, province or city tier"."""
    names = list(tiers)
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"the {listed} tier"


def require_tier(actor: Actor, *tiers: str) -> None:
    if not actor.holds_tier(*tiers):
        raise forbidden(f"only {tiers_phrase(tiers)} may do this")
