"""`fupin token`: a signed access token for scripts, from the run's key store."""

from __future__ import annotations

from pathlib import Path

import httpx

from fupin_kit import divisions
from fupin_kit.auth.actor import TIERS
from fupin_kit.auth.keys import KeyStore, mint
from fupin_kit.auth.roles import KNOWN_ROLES
from fupin_kit.settings import KitSettings


class TokenError(ValueError):
    pass


def mint_token(
    keys_dir: Path,
    *,
    tier: str,
    division: str,
    roles: list[str],
    subject: str,
    lifetime_s: int | None = None,
) -> str:
    """Mint with the key store's current key; the tier must match the division's level, as verifiers check,
    and the lifetime must not exceed the platform's (a disabled subject is refused only for that long);
    without one, the platform's lifetime (FUPIN_TOKEN_LIFETIME_S)."""
    settings = KitSettings()
    lifetime_s = settings.token_lifetime_s if lifetime_s is None else lifetime_s
    if lifetime_s > settings.token_lifetime_s:
        raise TokenError(
            f"--lifetime {lifetime_s} s is longer than the platform's token lifetime "
            f"(FUPIN_TOKEN_LIFETIME_S = {settings.token_lifetime_s} s): if its subject were disabled, the "
            "token would be accepted again once the revocation list forgets the subject"
        )
    if tier not in TIERS:
        raise TokenError(f"unknown tier {tier!r}; one of {', '.join(TIERS)}")
    if not subject.strip():
        # Every write and every audit row names its actor: a blank one would attribute them to nobody.
        raise TokenError("--subject must not be blank")
    unknown = sorted(set(roles) - KNOWN_ROLES)
    if unknown:
        raise TokenError(
            f"unknown role {', '.join(map(repr, unknown))}; one of {', '.join(sorted(KNOWN_ROLES))}"
        )
    try:
        level = divisions.level(division)
    except divisions.InvalidDivisionCode as exc:
        raise TokenError(f"{division!r} is not a 12-digit division code") from exc
    if divisions.TIER_NAMES[level] != tier:
        raise TokenError(f"division {division} is at the {divisions.TIER_NAMES[level]} tier, not {tier}")
    if division in divisions.CITY_GROUPINGS:
        raise TokenError(
            f"division {division} is a statistical grouping (市辖区, 省直辖县级行政区划), not a government: "
            "the counties it groups are governed from their province"
        )
    store = KeyStore(keys_dir)
    if not store.private_path.exists():
        raise TokenError(f"no signing keys in {keys_dir}; run `fupin up` first (or pass --keys-dir)")
    return mint(
        store.current(),
        subject=subject,
        tier=tier,
        division=division,
        roles=roles,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        lifetime_s=lifetime_s,
    )


def division_in_tree(client: httpx.Client, base: str, division: str, headers: dict[str, str]) -> bool | None:
    """Whether the registry's division tree has `division`, asked through the gateway with a token of that
    division (which can read its own node): True, False (the registry's own 404), or None when it cannot
    tell (the gateway unreachable, the registry down or busy, a gateway deployed without the registry)."""
    try:
        response = client.get(f"{base.rstrip('/')}/api/v1/registry/divisions/{division}", headers=headers)
    except httpx.TransportError:
        return None
    if response.status_code == 404 and _says_no_such_division(response):
        return False
    return True if response.status_code == 200 else None


def _says_no_such_division(response: httpx.Response) -> bool:
    """The registry's own answer, not the gateway's 404 for a service it does not route to (a gateway
    deployed without the registry cannot tell either way)."""
    try:
        problem = response.json()
    except ValueError:
        return False
    return isinstance(problem, dict) and problem.get("detail") == "No such division"


def check_token_division(gateway_url: str, token: str, division: str) -> str | None:
    """`fupin token`'s check of a minted token's division against the registry's tree, as `fupin feed` and
    the admin API check theirs: TokenError when the tree does not have it, a warning to print when the
    running platform could not be asked (the token is printed all the same), None when it has it."""
    with httpx.Client(timeout=httpx.Timeout(10.0, connect=3.0)) as client:
        known = division_in_tree(client, gateway_url, division, {"Authorization": f"Bearer {token}"})
    if known is False:
        raise TokenError(f"no such division {division}: the registry's division tree does not have it")
    if known is None:
        return (
            f"warning: division {division} not checked against the registry's division tree: the gateway at "
            f"{gateway_url} (--gateway, FUPIN_GATEWAY_URL) or its registry did not answer; is Fupin running?"
        )
    return None
