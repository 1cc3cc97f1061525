"""All SQL of the registry read model: upserts keyed by the registry's ids, so replays converge."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identification.models import cases, rm_households, rm_incomes, rm_members

Row = dict[str, Any]


async def upsert_household(session: AsyncSession, values: Row) -> None:
    stmt = insert(rm_households).values(**values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["household_id"],
            set_={key: stmt.excluded[key] for key in values if key != "household_id"},
        )
    )


async def upsert_members(session: AsyncSession, rows: list[Row]) -> None:
    if not rows:
        return
    stmt = insert(rm_members).values(rows)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["member_id"],
            set_={key: stmt.excluded[key] for key in rows[0] if key != "member_id"},
        )
    )


async def set_causes(
    session: AsyncSession, household_id: uuid.UUID, main_cause: str, other_causes: list[str]
) -> None:
    await session.execute(
        update(rm_households)
        .where(rm_households.c.household_id == household_id)
        .values(main_cause=main_cause, other_causes=other_causes)
    )


async def set_head(session: AsyncSession, household_id: uuid.UUID, name_masked: str, id_masked: str) -> None:
    await session.execute(
        update(rm_households)
        .where(rm_households.c.household_id == household_id)
        .values(head_name_masked=name_masked, head_id_masked=id_masked)
    )


async def set_member_count(session: AsyncSession, household_id: uuid.UUID, count: int) -> None:
    await session.execute(
        update(rm_households).where(rm_households.c.household_id == household_id).values(member_count=count)
    )


async def set_status(session: AsyncSession, household_id: uuid.UUID, values: Row) -> None:
    await session.execute(
        update(rm_households).where(rm_households.c.household_id == household_id).values(**values)
    )


async def upsert_income(session: AsyncSession, household_id: uuid.UUID, year: int, per_capita: Any) -> None:
    stmt = insert(rm_incomes).values(household_id=household_id, year=year, per_capita_net_income=per_capita)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["household_id", "year"],
            set_={"per_capita_net_income": stmt.excluded.per_capita_net_income},
        )
    )


async def cases_in_state(session: AsyncSession, household_id: uuid.UUID, state: str) -> list[Row]:
    from sqlalchemy import select

    rows = await session.execute(
        select(cases).where(cases.c.household_id == household_id, cases.c.state == state).with_for_update()
    )
    return [dict(row) for row in rows.mappings()]
