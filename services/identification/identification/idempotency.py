"""Idempotency-Key for every command: the same key and body answer the stored response; the same key with
another body is refused (422). The key row is written in the request's own transaction, so it exists
exactly when the command's effect does.

The key is claimed *before* the command runs (an INSERT ... ON CONFLICT DO NOTHING of a placeholder row,
filled in with the response afterwards). A concurrent request with the same key then waits on that
uncommitted row in the primary key index until the first transaction ends: if it committed, the claim
does nothing and the stored response is replayed; if it rolled back (the command failed), the waiter
claims the key and runs the command itself. Looking the key up first and inserting it last instead let
concurrent duplicates run the command: the case lock kept the effect single, but every duplicate that
queued behind it answered 409 out-of-order instead of the stored response."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import orjson
from fastapi import Header
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from fupin_kit.auth.actor import Actor
from fupin_kit.problems import conflict, unprocessable
from identification.models import idempotency_keys

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
# Status of a claimed key whose command has not finished; never visible outside the claiming transaction.
PENDING = 0


def fingerprint(*parts: Any) -> str:
    raw = orjson.dumps(jsonable_encoder(parts), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(raw).hexdigest()


def _json(status: int, body: Any) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def run(
    session: AsyncSession,
    actor: Actor,
    key: str | None,
    request: tuple[Any, ...],
    produce: Callable[[], Awaitable[BaseModel | list[Any] | dict[str, Any]]],
    status: int = 200,
) -> Response:
    if key is not None and not key.strip():
        # An empty key would be one shared key for every command of the caller: the second, different
        # command would be refused (422) or, worse, the first one's answer replayed for it.
        raise unprocessable("the Idempotency-Key header is empty", code="idempotency-key")
    if key is None:
        return _json(status, jsonable_encoder(await produce()))
    digest = fingerprint(*request)
    claimed = await session.execute(
        insert(idempotency_keys)
        .values(actor=actor.subject, key=key, request_hash=digest, status=PENDING, body={})
        .on_conflict_do_nothing(constraint="pk_idempotency_keys")
        .returning(idempotency_keys.c.key)
    )
    if claimed.first() is None:
        # Stored by an earlier request, or by a concurrent one the claim just waited for.
        stored = (
            await session.execute(
                select(
                    idempotency_keys.c.request_hash, idempotency_keys.c.status, idempotency_keys.c.body
                ).where(idempotency_keys.c.actor == actor.subject, idempotency_keys.c.key == key)
            )
        ).first()
        if stored is None or stored.status == PENDING:  # pragma: no cover - only a row deleted meanwhile
            raise conflict("a request with this Idempotency-Key is already being processed; retry")
        if stored.request_hash != digest:
            raise unprocessable("this Idempotency-Key was used with a different request")
        return _json(stored.status, stored.body)
    body = jsonable_encoder(await produce())
    await session.execute(
        update(idempotency_keys)
        .where(idempotency_keys.c.actor == actor.subject, idempotency_keys.c.key == key)
        .values(status=status, body=body)
    )
    return _json(status, body)
