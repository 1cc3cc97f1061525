"""Sign-in: checking credentials and issuing signed access tokens.

Every failure of the credentials themselves answers the same, whether the name is unknown or the secret
wrong (400 invalid_grant for a person or evaluator, 401 invalid_client for a client: RFC 6749 §5.2, see
identity.errors), and both paths run one argon2 verification so their timing matches. Only once the
secret is proven does the caller learn that the account is disabled or outside its access window.

Repeated wrong secrets for one name lock it for a while (identity/throttle.py): the lock is checked before
anything else, and every wrong secret counted.

A sign-in and a change that ends an account's earlier tokens (a password reset, a secret rotation, new
roles or scopes: admin.service.change_ending_tokens) may run at the same time. The secret is verified
without a lock (argon2 takes tens of milliseconds); the account is then read again share-locked, and the
token is issued from that row, stamped with the database's clock, while the lock is held. A change waits
for the lock and takes its not-before from the same clock afterwards, so a token issued on the old
credentials or powers always predates it and ends with the others; a change that committed first shows
in the locked row (another secret hash: the credentials no longer hold).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_gateway.admin import scopes as client_scope_rules
from fupin_gateway.identity import errors, passwords, repository, throttle
from fupin_gateway.identity.errors import OAuthError
from fupin_gateway.identity.schemas import TokenOut
from fupin_gateway.identity.tables import CLIENT, EVALUATOR, USER, AccountKind
from fupin_kit.auth.instants import floor_ms_seconds
from fupin_kit.auth.keys import KeyStore, mint
from fupin_kit.settings import KitSettings


@dataclass(frozen=True)
class Grant:
    subject: str
    kind: str
    tier: str
    division: str
    roles: list[str]
    # The token's `iat`: the database's clock while the account row is share-locked (epoch seconds, to
    # the millisecond), so it is comparable with the not-befores taken from that clock.
    issued_at: float
    scopes: list[str] | None = None  # clients only
    not_after: datetime | None = None  # evaluators: no token may outlive the access window


async def _upgrade_hash(session: AsyncSession, kind: AccountKind, row: object, secret: str) -> None:
    """Upgrade a hash made with weaker parameters while the plain secret is at hand."""
    hashed = str(getattr(row, kind.secret))
    if passwords.needs_rehash(hashed):
        await repository.rehash(
            session, kind, str(getattr(row, kind.key)), await passwords.hash_secret(secret)
        )


async def _wrong_secret(session: AsyncSession, attempt: throttle.Attempt, kind: AccountKind) -> OAuthError:
    """Counted towards the name's lockout; one answer whether the name is unknown or the secret wrong."""
    await throttle.failed(session, attempt)
    return errors.invalid_client() if kind is CLIENT else errors.invalid_credentials()


async def _proven_account(
    session: AsyncSession,
    attempt: throttle.Attempt,
    kind: AccountKind,
    found: Any | None,
    secret: str,
) -> tuple[Any, float]:
    """The account once `secret` is proven for it: as it is now, share-locked until the token is issued
    (the request's transaction ends), and the database's clock under that lock. If the account's secret
    changed between the verification and the lock, that verification proves nothing: invalid credentials."""
    hashed = None if found is None else str(getattr(found, kind.secret))
    if not await passwords.verify_secret(hashed, secret) or hashed is None:
        raise await _wrong_secret(session, attempt, kind)
    row = await repository.share_locked(session, kind, attempt.name)
    if row is None or str(getattr(row, kind.secret)) != hashed:
        raise await _wrong_secret(session, attempt, kind)
    return row, floor_ms_seconds(await repository.database_clock(session))


async def password_grant(
    session: AsyncSession,
    username: str,
    password: str,
    policy: throttle.Policy = throttle.OFF,
    client_ip: str = "",
) -> Grant:
    name = username.strip().lower()
    attempt = throttle.Attempt(policy, "password", name, client_ip)
    on_record = await throttle.check(session, attempt)
    kind = USER
    found = await repository.by_name(session, USER, name)
    if found is None:
        kind = EVALUATOR
        found = await repository.by_name(session, EVALUATOR, name)
    row, issued_at = await _proven_account(session, attempt, kind, found, password)
    await throttle.succeeded(session, attempt, on_record)
    if row.disabled:
        raise errors.account_disabled("The account is disabled")
    not_after: datetime | None = None
    if kind is EVALUATOR:
        now = datetime.now(UTC)
        if now < row.valid_from or now >= row.valid_until:
            raise errors.window_closed()
        not_after = row.valid_until
    await _upgrade_hash(session, kind, row, password)
    return Grant(
        kind.subject(name), kind.name, row.tier, row.division, list(row.roles), issued_at, None, not_after
    )


async def client_grant(
    session: AsyncSession,
    client_id: str,
    secret: str,
    scope: str | None,
    policy: throttle.Policy = throttle.OFF,
    client_ip: str = "",
) -> Grant:
    attempt = throttle.Attempt(policy, "client_credentials", client_id, client_ip)
    on_record = await throttle.check(session, attempt)
    found = await repository.by_name(session, CLIENT, client_id)
    row, issued_at = await _proven_account(session, attempt, CLIENT, found, secret)
    await throttle.succeeded(session, attempt, on_record)
    if row.disabled:
        raise errors.account_disabled("The client is disabled")
    allowed = client_scope_rules.issuable(list(row.scopes), row.tier, row.division)
    requested = requested_scopes(scope) if scope else allowed
    if not all(client_scope_rules.within(item, allowed) for item in requested):
        raise errors.invalid_scope("The requested scope exceeds the client's scopes")
    if client_scope_rules.missing_push(requested, allowed, row.tier, row.division):
        raise errors.invalid_scope(
            "Above the county every token of a client granted comparisons:push carries a push scope"
        )
    await _upgrade_hash(session, CLIENT, row, secret)
    return Grant(
        CLIENT.subject(client_id), CLIENT.name, row.tier, row.division, list(row.roles), issued_at, requested
    )


def requested_scopes(scope: str) -> list[str]:
    """RFC 6749 §3.3: scope-tokens separated by single spaces (a tab or a double space is not a separator
    but a malformed scope: invalid_scope), each printable ASCII other than space, `"` and `\\`. A token asked
    twice is granted once, in the order first asked."""
    tokens = scope.split(" ")
    if any(
        not token or not all(0x21 <= ord(c) <= 0x7E and c not in '"\\' for c in token) for token in tokens
    ):
        raise errors.invalid_scope("The scope is malformed: scope tokens separated by single spaces")
    return list(dict.fromkeys(tokens))


def issue(settings: KitSettings, keys: KeyStore, grant: Grant, lifetime_s: int) -> TokenOut:
    now = int(grant.issued_at)
    expires = now + lifetime_s
    if grant.not_after is not None:
        # Every verifier accepts a token until exp plus its leeway (clocks a little apart): the token ends
        # that much before valid_until, so that none is accepted after it. Floored, so not by a fraction of
        # a second either. A sign-in in the window's last seconds is refused as after it.
        expires = min(expires, int(grant.not_after.timestamp()) - settings.jwt_leeway_s)
    if expires <= now:
        raise errors.window_closed()
    scope = " ".join(grant.scopes) if grant.scopes is not None else ""
    extra: dict[str, object] = {"exp": expires}
    if grant.scopes is not None:
        extra["scope"] = scope
    token = mint(
        keys.current(),
        subject=grant.subject,
        tier=grant.tier,
        division=grant.division,
        roles=grant.roles,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        lifetime_s=lifetime_s,
        kind=grant.kind,
        extra=extra,
        issued_at=grant.issued_at,
    )
    return TokenOut(access_token=token, expires_in=expires - now, scope=scope)
