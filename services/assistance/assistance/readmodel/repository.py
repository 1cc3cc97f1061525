"""All SQL of the registry read model: keyed by the registry's ids, so a replay converges."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.models import rm_households, rm_members, rm_projects

Row = dict[str, Any]


async def insert_household(session: AsyncSession, values: Row) -> None:
    """A created household; one already known is left as it is (a created event is its first, so what is
    held is newer)."""
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


async def set_values(session: AsyncSession, household_id: uuid.UUID, values: Row) -> None:
    await session.execute(
        update(rm_households)
        .where(rm_households.c.household_id == household_id)
        .values(updated_at=func.now(), **values)
    )


async def upsert_members(session: AsyncSession, members: list[Row]) -> None:
    """Members as the latest event names them (a replay writes the same again)."""
    if not members:
        return
    statement = insert(rm_members).values(members)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["member_id"],
            set_={"name": statement.excluded.name, "status": statement.excluded.status},
        )
    )


LIFECYCLE_KEYS = ("division", "county", "year", "status", "rejected", "sequence")


async def upsert_project(session: AsyncSession, values: Row) -> None:
    """The project's place in its lifecycle as an event of `values["sequence"]` says it, unless a later step
    is held already; the name and category only the proposal carries are kept whichever arrives first."""
    statement = insert(rm_projects).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["project_id"],
            set_={**{key: statement.excluded[key] for key in LIFECYCLE_KEYS}, "updated_at": func.now()},
            where=rm_projects.c.sequence <= statement.excluded.sequence,
        )
    )
    if "name" in values:
        await session.execute(
            update(rm_projects)
            .where(rm_projects.c.project_id == values["project_id"])
            .values(name=values["name"], category=values["category"])
        )
