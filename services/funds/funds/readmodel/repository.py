"""All SQL of the registry read model: keyed by the registry's ids, so a replay converges."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from funds.models import rm_households, rm_members

Row = dict[str, Any]


async def insert_household(session: AsyncSession, values: Row) -> None:
    """A created household; one already known is left as it is (a created event is its first)."""
    await session.execute(
        insert(rm_households).values(**values).on_conflict_do_nothing(index_elements=["household_id"])
    )


async def apply_version(session: AsyncSession, household_id: uuid.UUID, version: int, values: Row) -> None:
    """`values` of the household's `version`, unless a later version is held already."""
    await session.execute(
        update(rm_households)
        .where(rm_households.c.household_id == household_id, rm_households.c.version <= version)
        .values(version=version, updated_at=func.now(), **values)
    )


async def set_head_name(session: AsyncSession, household_id: uuid.UUID, name: str) -> None:
    await session.execute(
        update(rm_households)
        .where(rm_households.c.household_id == household_id)
        .values(head_name=name, updated_at=func.now())
    )


async def upsert_member(session: AsyncSession, values: Row) -> None:
    """The member as the latest member event describes it (member events carry no version: the registry
    publishes one household's events in order on one partition)."""
    changed = {key: value for key, value in values.items() if key != "member_id"}
    await session.execute(
        insert(rm_members)
        .values(**values)
        .on_conflict_do_update(index_elements=["member_id"], set_={**changed, "updated_at": func.now()})
    )


async def household(session: AsyncSession, household_id: uuid.UUID, lo: str, hi: str) -> Row | None:
    row = (
        (
            await session.execute(
                select(rm_households).where(
                    rm_households.c.household_id == household_id, rm_households.c.division.between(lo, hi)
                )
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def member(session: AsyncSession, member_id: uuid.UUID) -> Row | None:
    row = (
        (await session.execute(select(rm_members).where(rm_members.c.member_id == member_id)))
        .mappings()
        .first()
    )
    return None if row is None else dict(row)
