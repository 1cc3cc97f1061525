"""Idempotency-Key for every command: the same key and body answer the stored response; the same key with
another body is refused (422). The key row is written in the request's own transaction, so it exists
exactly when the command's effect does. Each service keeps its keys in its own database (`table`).

The key is claimed *before* the command runs (an INSERT ... ON CONFLICT DO NOTHING of a placeholder row,
filled in with the response afterwards). A concurrent request with the same key then waits on that
uncommitted row in the primary key index until the first transaction ends: if it committed, the claim
does nothing and the stored response is replayed; if it rolled back (the command failed), the waiter
claims the key and runs the command itself. Looking the key up first and inserting it last instead let
concurrent duplicates run the command: the case lock kept the effect single, but every duplicate that
queued behind it answered 409 out-of-order instead of the stored response."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import Header
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from fupin_kit.auth.actor import Actor
from fupin_kit.problems import conflict, unprocessable

KEY_MAX_LENGTH = 200
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=KEY_MAX_LENGTH,
        description="A key of the caller's choosing: a retry with the same key and body answers the first "
        "response and changes nothing; the same key with another body is refused (422), and so is a "
        "blank key (422, code idempotency-key).",
    ),
]
# Status of a claimed key whose command has not finished; never visible outside the claiming transaction.
PENDING = 0
# The table as each service's migrations create it.
TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS idempotency_keys ("
    "actor varchar(200) NOT NULL, "
    "key varchar(200) NOT NULL, "
    "request_hash varchar(64) NOT NULL, "
    "status integer NOT NULL, "
    "body jsonb NOT NULL, "
    "created_at timestamptz NOT NULL DEFAULT now(), "
    "CONSTRAINT pk_idempotency_keys PRIMARY KEY (actor, key))"
)


def table(metadata: MetaData) -> Table:
    """The service's `idempotency_keys` table, in its own metadata."""
    return Table(
        "idempotency_keys",
        metadata,
        Column("actor", String(200), nullable=False),
        Column("key", String(KEY_MAX_LENGTH), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("status", Integer, nullable=False),
        Column("body", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("actor", "key", name="pk_idempotency_keys"),
    )


def fingerprint(*parts: Any) -> str:
    encoded = jsonable_encoder(parts)
    try:
        raw = orjson.dumps(encoded, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        # orjson refuses integers beyond 64 bits, which a free-form body (a step's finding) may hold and
        # PostgreSQL's jsonb keeps: the standard encoder writes them, keys sorted the same way.
        raw = json.dumps(encoded, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()


def _powers(actor: Actor) -> tuple[str, str, list[str], list[str] | None]:
    """What a stored answer was computed for, besides the caller's identity: its jurisdiction, tier and
    roles (and a client's scopes) decide what the command may do and how its answer is masked. Tokens of
    one subject can carry different powers (a cadre moved to another village, roles taken away, scripts'
    tokens minted for several divisions under one subject), so a replay is only for the same powers."""
    scopes = sorted(actor.scopes) if actor.scopes is not None else None
    return actor.tier, actor.division, sorted(actor.roles), scopes


class KeptAs:
    """How a service keeps a key and its answer in its table: as they are, by default. A service whose
    answers carry secrets (the gateway's admin API: a client's secret, a reset password) keeps a digest of
    the key and its answers sealed under the key, so that its database alone gives neither away."""

    def stored_key(self, key: str) -> str:
        return key

    def seal(self, actor: Actor, key: str, body: Any) -> Any:
        return body

    def unseal(self, actor: Actor, key: str, body: Any) -> Any:
        return body


AS_SENT = KeptAs()


def _json(status: int, body: Any) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def run(
    keys: Table,
    session: AsyncSession,
    actor: Actor,
    key: str | None,
    request: tuple[Any, ...],
    produce: Callable[[], Awaitable[BaseModel | list[Any] | dict[str, Any]]],
    status: int = 200,
    kept: KeptAs = AS_SENT,
) -> Response:
    """Run the command `produce` once per (caller, key), keeping the key in the service's table `keys`
    (first, so that a service binds it once: functools.partial(run, its_table)). `request` is what
    identifies the command (its name, path parameters and body), so the same key sent with another
    command is refused. `kept`: how the key and the answer are stored (as sent unless told)."""
    if key is not None and not key.strip():
        # An empty key would be one shared key for every command of the caller: the second, different
        # command would be refused (422) or, worse, the first one's answer replayed for it.
        raise unprocessable("the Idempotency-Key header is empty", code="idempotency-key")
    if key is None:
        return _json(status, jsonable_encoder(await produce()))
    # The same key sent with other powers is "another request" (422): replaying the first answer would show
    # it to a caller who may not see it, or unmasked above the county tier.
    digest = fingerprint(_powers(actor), *request)
    stored_key = kept.stored_key(key)
    claimed = await session.execute(
        insert(keys)
        .values(actor=actor.subject, key=stored_key, request_hash=digest, status=PENDING, body={})
        .on_conflict_do_nothing(constraint="pk_idempotency_keys")
        .returning(keys.c.key)
    )
    if claimed.first() is None:
        # Stored by an earlier request, or by a concurrent one the claim just waited for.
        stored = (
            await session.execute(
                select(keys.c.request_hash, keys.c.status, keys.c.body).where(
                    keys.c.actor == actor.subject, keys.c.key == stored_key
                )
            )
        ).first()
        if stored is None or stored.status == PENDING:  # pragma: no cover - only a row deleted meanwhile
            raise conflict("a request with this Idempotency-Key is already being processed; retry")
        if stored.request_hash != digest:
            # Say both causes: a caller whose roles were changed since sees its own retry refused, and
            # "a different request" alone sent it looking for a change in a body it resent as it was.
            raise unprocessable(
                "this Idempotency-Key was used with a different request, or by a token with other powers "
                "(tier, division, roles or scopes); a new request needs a new key",
                code="idempotency-key-reused",
            )
        return _json(stored.status, kept.unseal(actor, key, stored.body))
    body = jsonable_encoder(await produce())
    await session.execute(
        update(keys)
        .where(keys.c.actor == actor.subject, keys.c.key == stored_key)
        .values(status=status, body=kept.seal(actor, key, body))
    )
    return _json(status, body)


async def release(keys: Table, session: AsyncSession, actor: Actor, key: str, kept: KeptAs = AS_SENT) -> None:
    """Give up the key claimed in this transaction, for a command refused after writing something that
    must be committed all the same (a failed proof of a password, counted towards the lockout): the
    refusal is no answer to replay, and a claim committed unanswered would refuse every retry (409)."""
    await session.execute(
        delete(keys).where(
            keys.c.actor == actor.subject, keys.c.key == kept.stored_key(key), keys.c.status == PENDING
        )
    )


async def purge_answered_before(keys: Table, session: AsyncSession, cutoff: datetime) -> int:
    """Forget the keys answered before `cutoff` (FUPIN_IDEMPOTENCY_RETENTION_DAYS): the table would
    otherwise keep one row per command for ever, and the gateway's rows hold sealed secrets. A claim still
    pending belongs to a transaction under way and is left to it."""
    result = await session.execute(delete(keys).where(keys.c.created_at < cutoff, keys.c.status != PENDING))
    return int(getattr(result, "rowcount", 0) or 0)
