"""All SQL of the exports. Reads are range scans on the caller-checked subtree [lo, hi] in (division, id)
keyset order, so a province-sized export never holds more than one page in memory."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, literal, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from registry.households.models import households, incomes, members

Row = dict[str, Any]


async def household_page(
    session: AsyncSession, lo: str, hi: str, after: tuple[str, uuid.UUID] | None, limit: int
) -> list[Row]:
    """One keyset page of households in [lo, hi], in (division, id) order (ix_households_division_id)."""
    conditions: list[Any] = [households.c.division.between(lo, hi)]
    if after is not None:
        conditions.append(
            tuple_(households.c.division, households.c.id) > tuple_(literal(after[0]), literal(after[1]))
        )
    rows = await session.execute(
        select(households)
        .where(and_(*conditions))
        .order_by(households.c.division, households.c.id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in rows]


async def members_of(session: AsyncSession, household_ids: Sequence[uuid.UUID]) -> list[Row]:
    """Every member (current and former) of a page of households, in entry order per household."""
    if not household_ids:
        return []
    rows = await session.execute(
        select(members)
        .where(members.c.household_id.in_(list(household_ids)))
        .order_by(members.c.household_id, members.c.seq)
    )
    return [dict(row._mapping) for row in rows]


async def current_incomes(session: AsyncSession, household_ids: Sequence[uuid.UUID]) -> list[Row]:
    """The income record of the year each household's file shows (households.income_year, its latest), for
    a page of households: the components beside the per-capita figure the household row carries."""
    if not household_ids:
        return []
    rows = await session.execute(
        select(incomes)
        .join(
            households,
            and_(households.c.id == incomes.c.household_id, households.c.income_year == incomes.c.year),
        )
        .where(households.c.id.in_(list(household_ids)))
    )
    return [dict(row._mapping) for row in rows]


async def latest_incomes(session: AsyncSession, household_id: uuid.UUID, years: int) -> list[Row]:
    rows = await session.execute(
        select(incomes)
        .where(incomes.c.household_id == household_id)
        .order_by(incomes.c.year.desc())
        .limit(years)
    )
    return [dict(row._mapping) for row in rows]


async def names_in(session: AsyncSession, lo: str, hi: str, level: int) -> dict[str, str]:
    """Code → name of the divisions of one level inside [lo, hi] (a county has a few hundred villages)."""
    rows = await session.execute(
        text("SELECT code, name FROM divisions WHERE code BETWEEN :lo AND :hi AND level = :level"),
        {"lo": lo, "hi": hi, "level": level},
    )
    return {str(code): str(name) for code, name in rows.all()}


async def children(session: AsyncSession, code: str) -> list[Row]:
    """A node's children by code (a township's villages: tens, at most a few hundred)."""
    rows = await session.execute(
        text("SELECT code, name FROM divisions WHERE parent_code = :code ORDER BY code"), {"code": code}
    )
    return [dict(row._mapping) for row in rows]


async def chain(session: AsyncSession, code: str) -> list[Row]:
    """The node and its real ancestors, root first (following parent links, not code arithmetic)."""
    rows = await session.execute(
        text(
            "WITH RECURSIVE up AS ("
            "  SELECT code, name, parent_code, placeholder, 0 AS hop FROM divisions WHERE code = :code "
            "  UNION ALL "
            "  SELECT d.code, d.name, d.parent_code, d.placeholder, up.hop + 1 FROM divisions d "
            "  JOIN up ON d.code = up.parent_code WHERE up.hop < 6"
            ") SELECT code, name, placeholder FROM up ORDER BY hop DESC"
        ),
        {"code": code},
    )
    return [dict(row._mapping) for row in rows]


async def counts_by_village(session: AsyncSession, lo: str, hi: str) -> list[Row]:
    """Households and people per (village, status, main cause) in [lo, hi], grouped in SQL."""
    rows = await session.execute(
        select(
            households.c.division,
            households.c.status,
            households.c.main_cause,
            func.count().label("households"),
            func.coalesce(func.sum(households.c.member_count), 0).label("people"),
        )
        .where(households.c.division.between(lo, hi))
        .group_by(households.c.division, households.c.status, households.c.main_cause)
    )
    return [dict(row._mapping) for row in rows]
