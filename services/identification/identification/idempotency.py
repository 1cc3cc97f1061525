"""Idempotency-Key for every command: the same key and body answer the stored response; the same key with
another body is refused (422). The key row is written in the request's own transaction, so it exists
exactly when the command's effect does."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import orjson
from fastapi import Header
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from fupin_kit.auth.actor import Actor
from fupin_kit.problems import conflict, unprocessable
from identification.models import idempotency_keys

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


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
    if key is None:
        return _json(status, jsonable_encoder(await produce()))
    digest = fingerprint(*request)
    stored = (
        await session.execute(
            select(idempotency_keys.c.request_hash, idempotency_keys.c.status, idempotency_keys.c.body).where(
                idempotency_keys.c.actor == actor.subject, idempotency_keys.c.key == key
            )
        )
    ).first()
    if stored is not None:
        if stored.request_hash != digest:
            raise unprocessable("this Idempotency-Key was used with a different request")
        return _json(stored.status, stored.body)
    body = jsonable_encoder(await produce())
    inserted = await session.execute(
        insert(idempotency_keys)
        .values(actor=actor.subject, key=key, request_hash=digest, status=status, body=body)
        .on_conflict_do_nothing(constraint="pk_idempotency_keys")
        .returning(idempotency_keys.c.key)
    )
    if inserted.first() is None:
        # A concurrent request with the same key committed first; this one's effects roll back.
        raise conflict("a request with this Idempotency-Key is already being processed; retry")
    return _json(status, body)
