"""Sign-in: checking credentials and issuing signed access tokens.

Every failure of the credentials themselves answers the same 401, whether the name is unknown or the
secret wrong, and both paths run one argon2 verification so their timing matches. Only once the secret is
proven does the caller learn that the account is disabled or outside its access window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_gateway.identity import passwords, repository
from fupin_gateway.identity.schemas import TokenOut
from fupin_gateway.identity.tables import CLIENT, EVALUATOR, USER, AccountKind
from fupin_kit.auth.keys import KeyStore, mint
from fupin_kit.problems import ProblemError
from fupin_kit.settings import KitSettings


@dataclass(frozen=True)
class Grant:
    subject: str
    kind: str
    tier: str
    division: str
    roles: list[str]
    scopes: list[str] | None = None  # clients only
    not_after: datetime | None = None  # evaluators: no token may outlive the access window


def invalid_credentials(error: str = "invalid_grant") -> ProblemError:
    # `error` carries the OAuth2 error code (RFC 6749 §5.2) for OAuth client libraries.
    return ProblemError(
        401,
        "Unauthorized",
        "The credentials are not valid",
        kind="invalid-credentials",
        headers={"WWW-Authenticate": 'Basic realm="fupin"'},
        error=error,
    )


def refused(detail: str) -> ProblemError:
    return ProblemError(403, "Forbidden", detail, kind="account-refused", error="invalid_grant")


def bad_request(detail: str, error: str) -> ProblemError:
    return ProblemError(400, "Bad Request", detail, kind="invalid-token-request", error=error)


async def _upgrade_hash(session: AsyncSession, kind: AccountKind, row: object, secret: str) -> None:
    """Upgrade a hash made with weaker parameters while the plain secret is at hand."""
    hashed = str(getattr(row, kind.secret))
    if passwords.needs_rehash(hashed):
        await repository.rehash(
            session, kind, str(getattr(row, kind.key)), await passwords.hash_secret(secret)
        )


async def password_grant(session: AsyncSession, username: str, password: str) -> Grant:
    name = username.strip().lower()
    kind = USER
    row = await repository.by_name(session, USER, name)
    if row is None:
        kind = EVALUATOR
        row = await repository.by_name(session, EVALUATOR, name)
    hashed = None if row is None else str(getattr(row, kind.secret))
    if not await passwords.verify_secret(hashed, password) or row is None:
        raise invalid_credentials()
    if row.disabled:
        raise refused("The account is disabled")
    not_after: datetime | None = None
    if kind is EVALUATOR:
        now = datetime.now(UTC)
        if now < row.valid_from or now >= row.valid_until:
            raise refused("The evaluator's access window is not open")
        not_after = row.valid_until
    await _upgrade_hash(session, kind, row, password)
    return Grant(kind.subject(name), kind.name, row.tier, row.division, list(row.roles), None, not_after)


async def client_grant(session: AsyncSession, client_id: str, secret: str, scope: str | None) -> Grant:
    row = await repository.by_name(session, CLIENT, client_id)
    hashed = None if row is None else str(row.secret_hash)
    if not await passwords.verify_secret(hashed, secret) or row is None:
        raise invalid_credentials("invalid_client")
    if row.disabled:
        raise refused("The client is disabled")
    allowed = list(row.scopes)
    requested = scope.split() if scope else allowed
    if not set(requested) <= set(allowed):
        raise bad_request("The requested scope exceeds the client's scopes", "invalid_scope")
    await _upgrade_hash(session, CLIENT, row, secret)
    return Grant(CLIENT.subject(client_id), CLIENT.name, row.tier, row.division, list(row.roles), requested)


def issue(settings: KitSettings, keys: KeyStore, grant: Grant, lifetime_s: int) -> TokenOut:
    now = int(time.time())
    expires = now + lifetime_s
    if grant.not_after is not None:
        # Floor, so the token's exp is never after valid_until even by a fraction of a second.
        expires = min(expires, int(grant.not_after.timestamp()))
    if expires <= now:
        raise refused("The evaluator's access window is not open")
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
    )
    return TokenOut(access_token=token, expires_in=expires - now, scope=scope)
