"""Platform-wide admin operations for nation and province admins: signing key rotation and audit
chain verification."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from fupin_gateway.admin import idempotent
from fupin_gateway.admin.deps import SeniorAdmin
from fupin_kit import openapi_scope as scope
from fupin_kit.audit.append import append_change
from fupin_kit.audit.chain import AuditEntry
from fupin_kit.audit.verify import ChainReport, Head, verify_chain
from fupin_kit.auth.keys import KeyStore, keep_retired_s
from fupin_kit.auth.tokens import TokenVerifier
from fupin_kit.db import DbSession
from fupin_kit.idempotency import IdempotencyKey
from fupin_kit.problems import unprocessable

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post(
    "/keys/rotate",
    response_model=dict[str, Any],
    summary="Start signing with a new key; the previous one stays published",
    openapi_extra=scope.admin(),
)
async def rotate_keys(
    request: Request,
    actor: SeniorAdmin,
    session: DbSession,
    withdraw_previous: Annotated[
        bool,
        Query(
            description="Withdraw every earlier key now (a leaked key): its tokens are refused at once, "
            "everywhere within a minute, and their holders sign in again."
        ),
    ] = False,
    key: IdempotencyKey = None,
) -> Response:
    async def produce() -> dict[str, Any]:
        return await _rotate_keys(request, actor, session, withdraw_previous)

    # The keys live in files (KeyStore), outside the transaction: a rotation whose transaction then fails
    # is not undone, and its retry rotates again, as without a key.
    sealer: idempotent.Sealer = request.app.state.idempotency_sealer
    return await sealer.run(session, actor, key, ("rotate-keys", withdraw_previous), produce)


async def _rotate_keys(
    request: Request, actor: SeniorAdmin, session: DbSession, withdraw_previous: bool
) -> dict[str, Any]:
    settings = request.app.state.settings
    store: KeyStore = request.app.state.key_store
    # A retired key stays in the JWKS until every token it signed has expired (lifetime + leeway).
    keep_s = 0 if withdraw_previous else keep_retired_s(settings.token_lifetime_s, settings.jwt_leeway_s)
    current = await asyncio.to_thread(store.rotate, keep_s, withdraw_previous=withdraw_previous)
    published = [key["kid"] for key in (await asyncio.to_thread(store.public_set))["keys"]]
    # The gateway verifies its own new tokens at once, without waiting for its unknown-kid refresh.
    verifier: TokenVerifier = request.app.state.token_verifier
    await verifier.jwks.refresh()
    entry = AuditEntry(
        actor=actor.subject,
        action="keys.rotated",
        subject=f"key:{current['kid']}",
        division=actor.division,
        detail={
            "kid": current["kid"],
            "published": published,
            "keep_previous_s": keep_s,
            "withdraw_previous": withdraw_previous,
        },
    )
    await append_change(session, entry)
    return {"kid": current["kid"], "published": published, "keep_previous_s": keep_s}


@router.get(
    "/audit/verify",
    summary="Recompute the audit chain and name the first row that does not match",
    openapi_extra=scope.admin(),
)
async def verify_audit(
    actor: SeniorAdmin,
    session: DbSession,
    expect_seq: Annotated[int | None, Query(ge=1, description="seq of a head recorded earlier")] = None,
    expect_hash: Annotated[
        str | None, Query(pattern=r"^[0-9a-f]{64}$", description="its hash (last_hash then)")
    ] = None,
) -> ChainReport:
    if (expect_seq is None) != (expect_hash is None):
        raise unprocessable("expect_seq and expect_hash go together")
    expect = None if expect_seq is None or expect_hash is None else Head(seq=expect_seq, hash=expect_hash)
    return await verify_chain(session, expect=expect)
