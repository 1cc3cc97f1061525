"""What every use case receives: the unit of work and the caller."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.auth.actor import Actor

SYSTEM_ACTOR = Actor(
    subject="system:evaluation",
    tier="nation",
    division="000000000000",
    roles=frozenset({"system"}),
    kind="system",
)


@dataclass(frozen=True)
class Context:
    session: AsyncSession
    actor: Actor
