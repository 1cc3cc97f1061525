"""Token verification, done by every service itself (not only the gateway).

Only ES256 is accepted, so `alg=none` and HMAC-with-the-public-key confusion fail before any signature
check; the key id must be in the JWK set; issuer, audience, expiry and the tier/division claims are checked,
and a token must not live longer (`exp` - `iat`) than the platform issues tokens for (FUPIN_TOKEN_LIFETIME_S)
plus leeway: a key leaked or retired cannot mint tokens that outlive its withdrawal or a subject's revocation.
A token whose subject the gateway has revoked (a disabled account), or that was issued before its subject's
not-before (a password reset, secret rotation or change of roles/scopes after it was issued), is refused
too, when the verifier is given the RevokedSubjects the process polls (see revocations.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from typing import Any

import jwt
from jwt.algorithms import ECAlgorithm

from fupin_kit import divisions
from fupin_kit.auth import client_scopes
from fupin_kit.auth.actor import TIERS, Actor
from fupin_kit.auth.keys import ALGORITHM, withdraw_time, withdrawn
from fupin_kit.auth.lifetimes import DEFAULT_TOKEN_LIFETIME_S
from fupin_kit.auth.revocations import RevokedSubjects
from fupin_kit.auth.roles import evaluator_roles
from fupin_kit.auth.sources import FETCH_ERRORS, fetch_json
from fupin_kit.problems import ProblemError, unauthorized

# Verified tokens remembered per process (a bearer token is replayed on every request of a session; an
# ES256 signature check costs far more than a dict lookup). Bounded, least recently used out first.
TOKEN_CACHE_SIZE = 4096
# The evaluator's account kind and role alike.
EVALUATOR = "evaluator"

# Short enough that a token signed right after a key rotation is accepted at once by a process whose
# last load is older than this; long enough that forged kids cost at most one re-read per second.
REFRESH_MIN_INTERVAL_S = 1.0
# How long a loaded key set is trusted before the next verification re-reads it.
MAX_AGE_S = 60.0
# The longest lifetime a verifier accepts when not told the platform's (settings.token_lifetime_s's default).
DEFAULT_MAX_LIFETIME_S = DEFAULT_TOKEN_LIFETIME_S


class JwkSet:
    """Public keys by kid, from a file or the gateway's JWKS URL, refreshed when an unknown kid appears
    (at most every REFRESH_MIN_INTERVAL_S, so forged kids cannot hammer the source) and when the loaded
    set is older than MAX_AGE_S (a key withdrawn at once, after a leak, leaves the set without a new
    kid to notice). A key past its `withdraw_at` (auth/keys.py) is refused without any reload."""

    def __init__(self, source: str) -> None:
        self.source = source
        # kid -> (key, withdraw_at or None)
        self._keys: dict[str, tuple[Any, float | None]] = {}
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> Any | None:
        if self.stale() or (
            kid not in self._keys and time.monotonic() - self._loaded_at > REFRESH_MIN_INTERVAL_S
        ):
            async with self._lock:
                if self.stale() or (
                    kid not in self._keys and time.monotonic() - self._loaded_at > REFRESH_MIN_INTERVAL_S
                ):
                    await self.refresh()
        return self.loaded(kid)

    def stale(self) -> bool:
        return time.monotonic() - self._loaded_at > MAX_AGE_S

    def loaded(self, kid: str) -> Any | None:
        """The key of `kid` as loaded now, without any refresh (None once a reload dropped it or once it
        is withdrawn)."""
        entry = self._keys.get(kid)
        if entry is None:
            return None
        key, withdraw_at = entry
        if withdraw_at is not None and time.time() >= withdraw_at:
            return None
        return key

    async def refresh(self) -> None:
        self._loaded_at = time.monotonic()
        try:
            document = (await fetch_json(self.source)).document or {}
        except FETCH_ERRORS:
            return
        keys: dict[str, tuple[Any, float | None]] = {}
        now = time.time()
        for jwk in document.get("keys", []):
            if jwk.get("kty") == "EC" and jwk.get("kid") and not withdrawn(jwk, now):
                known = self._keys.get(jwk["kid"])
                # The same key object for a kid already loaded: tokens verified with it stay remembered.
                key = known[0] if known is not None else ECAlgorithm.from_jwk(json.dumps(jwk))
                keys[jwk["kid"]] = (key, withdraw_time(jwk))
        self._keys = keys


class TokenVerifier:
    """Verifies bearer tokens; a token verified once is remembered (key: the exact token string, so any
    altered byte is a different, unverified token) until its expiry. A remembered token is still refused
    once it expires, once the key that signed it is no longer in the loaded key set, and once its subject
    is revoked or its subject's not-before passes its `iat` (checked on every call, cache hit or not: a
    disable or a password reset must end sessions already under way)."""

    def __init__(
        self,
        jwks: JwkSet,
        issuer: str,
        audience: str,
        leeway_s: int = 10,
        cache_size: int = TOKEN_CACHE_SIZE,
        revoked: RevokedSubjects | None = None,
        max_lifetime_s: int = DEFAULT_MAX_LIFETIME_S,
    ) -> None:
        self.jwks = jwks
        self.issuer = issuer
        self.audience = audience
        self.leeway_s = leeway_s
        # The longest `exp` - `iat` accepted, less the leeway: the longest lifetime any issuer uses.
        self.max_lifetime_s = max_lifetime_s
        self.cache_size = cache_size
        # None: this process learns of disabled accounts otherwise (the gateway's own blocklist).
        self.revoked = revoked
        # token -> (actor, accepted until (exp + leeway, as jwt.decode accepts it), kid, signing key)
        self._cache: OrderedDict[str, tuple[Actor, float, str, Any]] = OrderedDict()

    async def verify(self, token: str) -> Actor:
        cached = self._cache.get(token)
        if cached is not None:
            actor, until, kid, key = cached
            if time.time() < until and not self.jwks.stale() and self.jwks.loaded(kid) is key:
                self._cache.move_to_end(token)
                self._refuse_revoked(actor)
                return actor
            del self._cache[token]
        actor, until, kid, key = await self._verify(token)
        # Remembered even when revoked: replaying a revoked token then costs a lookup, not a signature
        # check, and it is accepted again only if the subject is re-enabled before the token expires.
        if self.cache_size > 0:
            self._cache[token] = (actor, until, kid, key)
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        self._refuse_revoked(actor)
        return actor

    def _refuse_revoked(self, actor: Actor) -> None:
        if self.revoked is not None and self.revoked.refuses(actor.subject, actor.issued_at):
            raise unauthorized("token revoked")

    async def _verify(self, token: str) -> tuple[Actor, float, str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise unauthorized("malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise unauthorized("token algorithm not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise unauthorized("token has no key id")
        key = await self.jwks.key(kid)
        if key is None:
            raise unauthorized("unknown signing key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise unauthorized("token expired") from exc
        except jwt.PyJWTError as exc:
            raise unauthorized(f"invalid token: {type(exc).__name__}") from exc
        # jwt.decode has checked both are numbers. iat is to the millisecond and exp = floor(iat) + lifetime
        # (keys.mint), so a token of the longest lifetime is at or under the bound.
        if float(claims["exp"]) - float(claims["iat"]) > self.max_lifetime_s + self.leeway_s:
            raise unauthorized(
                f"token lifetime exceeds the platform's {self.max_lifetime_s} s (exp - iat is "
                f"{float(claims['exp']) - float(claims['iat']):.0f} s)"
            )
        # jwt.decode accepts while exp > now - leeway; a remembered token is accepted exactly as long.
        return actor_from_claims(claims), float(claims["exp"]) + self.leeway_s, kid, key


def _usable_roles(kind: str, held: frozenset[str]) -> frozenset[str]:
    """An evaluator's token, or any token carrying the evaluator role, keeps only what an evaluator may use:
    a person or client account given the role next to write roles (before the admin API refused it, QA8
    FW-2) would otherwise write with neither the evaluator's window nor its read-only rule."""
    if kind == EVALUATOR or EVALUATOR in held:
        return evaluator_roles(held)
    return held


def actor_from_claims(claims: dict[str, Any]) -> Actor:
    tier = claims.get("tier")
    division = claims.get("division")
    roles = claims.get("roles", [])
    if tier not in TIERS or not isinstance(division, str) or not isinstance(roles, list):
        raise unauthorized("token lacks a valid tier, division or roles")
    if not isinstance(claims["sub"], str) or not claims["sub"].strip():
        # Writes and audit rows name the token's subject as their actor: a blank one names nobody.
        raise unauthorized("token subject is blank")
    try:
        level = divisions.level(division)
    except divisions.InvalidDivisionCode as exc:
        raise unauthorized("token division is not a division code") from exc
    if divisions.TIER_NAMES[level] != tier:
        raise unauthorized("token tier does not match its division")
    if division in divisions.CITY_GROUPINGS:
        # Nobody governs a grouping: a token for one would act over counties their province governs.
        raise unauthorized(
            "token division is a statistical grouping (市辖区, 省直辖县级行政区划), not a government"
        )
    iat = claims.get("iat")
    kind = str(claims.get("kind", "user"))
    held = frozenset(str(role) for role in roles)
    return Actor(
        subject=str(claims["sub"]),
        tier=tier,
        division=division,
        roles=_usable_roles(kind, held),
        kind=kind,
        token_id=claims.get("jti"),
        scopes=client_scopes.parse(claims.get("scope")),
        # jwt.decode has checked a present `iat` is a number: epoch seconds, to the millisecond as tokens are
        # minted (auth/instants.py), whole seconds in tokens minted before that.
        issued_at=float(iat) if isinstance(iat, int | float) and not isinstance(iat, bool) else None,
    )


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise unauthorized("missing bearer token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("missing bearer token")
    return token.strip()


__all__ = ["JwkSet", "ProblemError", "TokenVerifier", "actor_from_claims", "bearer_token"]
