"""Idempotency-Key for every identification command (fupin_kit.idempotency), kept in this service's
`idempotency_keys` table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from fupin_kit import idempotency
from fupin_kit.auth.actor import Actor
from fupin_kit.idempotency import IdempotencyKey, fingerprint
from identification.models import idempotency_keys

__all__ = ["IdempotencyKey", "fingerprint", "run"]


async def run(
    session: AsyncSession,
    actor: Actor,
    key: str | None,
    request: tuple[Any, ...],
    produce: Callable[[], Awaitable[BaseModel | list[Any] | dict[str, Any]]],
    status: int = 200,
) -> Response:
    return await idempotency.run(session, idempotency_keys, actor, key, request, produce, status)
