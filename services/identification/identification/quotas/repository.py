"""All SQL of quotas (规模控制) and their adjustment log.

A quota is of people (贫困人口规模, domain.md §3), so a counted case counts its household's members: the
member count the registry's events leave in the read model now, not a count frozen when the case took its
place. A member born, married in, moved away or deceased after the village review changes what the case
holds, as it changes the poor population the quota bounds (the registry's own statistics count
`member_count` the same way); a quota may so end up short of its usage, and then takes no further case
until the tier above adjusts it or a household shrinks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from identification.models import cases, quota_adjustments, quotas, rm_households

Row = dict[str, Any]


async def lock_quotas(session: AsyncSession, year: int, codes: Sequence[str]) -> dict[str, int]:
    """The quotas of these divisions, locked: concurrent decisions on one list serialise here, so two
    batches cannot both take the last place."""
    rows = await session.execute(
        select(quotas.c.division, quotas.c.amount)
        .where(quotas.c.year == year, quotas.c.division.in_(list(codes)))
        .order_by(quotas.c.division)
        .with_for_update()
    )
    return {row.division: int(row.amount) for row in rows}


async def lock_year_settings(session: AsyncSession, year: int) -> None:
    """Serialise the setting of the year's quotas until the transaction ends. A setting checks its parent,
    its siblings and its children and then writes: without this, two siblings set at once both pass against
    the other's old amount (together above their parent), and a parent lowered while a child is raised both
    pass (the parent below its child). Under READ COMMITTED every read after the lock sees the settings
    committed before it. One key per year: settings are rare, and a quota's checks reach up and down the
    whole chain of divisions."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"identification.quotas.{year}"))))


# A case's people: its household's current members (a household the read model has not heard of counts
# none: no case is opened for one, so this only guards the outer join).
_PEOPLE = func.coalesce(func.sum(rm_households.c.member_count), 0)
_CASES_WITH_HOUSEHOLDS = cases.outerjoin(rm_households, rm_households.c.household_id == cases.c.household_id)


async def people_by_village(
    session: AsyncSession, lo: str, hi: str, year: int, states: Sequence[str]
) -> dict[str, int]:
    """village → people of the year's identification cases within [lo, hi] in one of `states`."""
    rows = await session.execute(
        select(cases.c.division, _PEOPLE)
        .select_from(_CASES_WITH_HOUSEHOLDS)
        .where(
            cases.c.kind == "identification",
            cases.c.year == year,
            cases.c.division.between(lo, hi),
            cases.c.state.in_(list(states)),
        )
        .group_by(cases.c.division)
    )
    return {str(division): int(people) for division, people in rows.tuples()}


async def people_of_cases(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> dict[int, dict[str, int]]:
    """year → village → people these identification cases bring (other kinds hold no quota place)."""
    rows = await session.execute(
        select(cases.c.year, cases.c.division, _PEOPLE)
        .select_from(_CASES_WITH_HOUSEHOLDS)
        .where(cases.c.id.in_(list(case_ids)), cases.c.kind == "identification")
        .group_by(cases.c.year, cases.c.division)
    )
    by_year: dict[int, dict[str, int]] = {}
    for year, division, people in rows.tuples():
        by_year.setdefault(int(year), {})[str(division)] = int(people)
    return by_year


async def get(session: AsyncSession, division: str, year: int) -> Row | None:
    row = (
        (await session.execute(select(quotas).where(quotas.c.division == division, quotas.c.year == year)))
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def child_quotas(session: AsyncSession, parent: str, pattern: str, year: int) -> list[Row]:
    """The year's quotas of `parent`'s children: the codes matching `pattern` (a LIKE pattern of one level's
    codes under the parent, which the parent's own code also matches)."""
    rows = await session.execute(
        select(quotas)
        .where(quotas.c.year == year, quotas.c.division.like(pattern), quotas.c.division != parent)
        .order_by(quotas.c.division)
    )
    return [dict(row) for row in rows.mappings()]


async def upsert(session: AsyncSession, division: str, year: int, amount: int, actor: str) -> None:
    stmt = pg_insert(quotas).values(division=division, year=year, amount=amount, set_by=actor)
    await session.execute(
        stmt.on_conflict_do_update(
            constraint="pk_quotas", set_={"amount": amount, "set_by": actor, "updated_at": func.now()}
        )
    )


async def record_adjustment(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(quota_adjustments).values(**values))


async def adjustments(session: AsyncSession, division: str, year: int) -> list[Row]:
    rows = await session.execute(
        select(quota_adjustments)
        .where(quota_adjustments.c.division == division, quota_adjustments.c.year == year)
        .order_by(quota_adjustments.c.seq)
    )
    return [dict(row) for row in rows.mappings()]
