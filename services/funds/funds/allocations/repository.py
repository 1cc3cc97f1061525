"""All SQL of allocations (资金分配/下达) and of the projects drawing on them."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from funds import workflow
from funds.models import allocations, project_draws, projects

Row = dict[str, Any]
Position = tuple[str, uuid.UUID]


def in_list(statuses: frozenset[workflow.Status]) -> str:
    """`('a', 'b')` for an SQL IN list: workflow's constants, never input."""
    return "(" + ", ".join(f"'{status.value}'" for status in sorted(statuses)) + ")"


COMMITTED = in_list(workflow.COMMITTED)
IN_USE = in_list(workflow.IN_USE)
PAID = in_list(workflow.PAID)


async def add(session: AsyncSession, values: Row) -> Row:
    query = insert(allocations).values(**values).returning(*allocations.c)
    return dict((await session.execute(query)).mappings().one())


async def get(
    session: AsyncSession, allocation_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    """The allocation if its receiver lies within [lo, hi]; `lock`: FOR UPDATE, so that concurrent
    pass-downs from it and commitments of projects drawing on it run one after another."""
    query = select(allocations).where(
        allocations.c.id == allocation_id, allocations.c.division.between(lo, hi)
    )
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def lock_many(session: AsyncSession, allocation_ids: list[uuid.UUID]) -> dict[uuid.UUID, Row]:
    """The allocations, locked in id order (two projects drawing on the same two never deadlock)."""
    if not allocation_ids:
        return {}
    query = (
        select(allocations)
        .where(allocations.c.id.in_(allocation_ids))
        .order_by(allocations.c.id)
        .with_for_update()
    )
    return {row["id"]: dict(row) for row in (await session.execute(query)).mappings()}


async def passed_down(session: AsyncSession, allocation_ids: list[uuid.UUID]) -> dict[uuid.UUID, Decimal]:
    """The sum passed down from each allocation (its children's amounts)."""
    if not allocation_ids:
        return {}
    query = (
        select(allocations.c.parent_id, func.sum(allocations.c.amount))
        .where(allocations.c.parent_id.in_(allocation_ids))
        .group_by(allocations.c.parent_id)
    )
    return {row[0]: row[1] for row in (await session.execute(query)).all()}


async def committed(session: AsyncSession, allocation_id: uuid.UUID, except_project: uuid.UUID) -> Decimal:
    """What projects other than `except_project` committed from the allocation (county_approved or later)."""
    statement = text(
        "SELECT COALESCE(sum(d.amount), 0) FROM project_draws d JOIN projects p ON p.id = d.project_id "
        f"WHERE d.allocation_id = :allocation_id AND p.id <> :project_id AND p.status IN {COMMITTED}"
    )
    params = {"allocation_id": allocation_id, "project_id": except_project}
    return Decimal((await session.execute(statement, params)).scalar_one())


async def children(session: AsyncSession, allocation_id: uuid.UUID) -> list[Row]:
    query = (
        select(allocations.c.id, allocations.c.division, allocations.c.amount, allocations.c.allocated_on)
        .where(allocations.c.parent_id == allocation_id)
        .order_by(allocations.c.division, allocations.c.id)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def add_draws(session: AsyncSession, rows: list[Row]) -> None:
    if rows:
        await session.execute(insert(project_draws), rows)


async def draws_of_allocation(session: AsyncSession, allocation_id: uuid.UUID) -> list[Row]:
    query = (
        select(
            project_draws.c.project_id,
            projects.c.division,
            projects.c.category,
            projects.c.status,
            project_draws.c.amount,
        )
        .join(projects, projects.c.id == project_draws.c.project_id)
        .where(project_draws.c.allocation_id == allocation_id)
        .order_by(projects.c.division, projects.c.id)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def draws_of_project(session: AsyncSession, project_id: uuid.UUID) -> list[Row]:
    query = select(project_draws).where(project_draws.c.project_id == project_id)
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def page(
    session: AsyncSession, lo: str, hi: str, filters: Row, after: Position | None, limit: int
) -> list[Row]:
    """`limit + 1` allocations received within [lo, hi] after `after`, in (division, id) order; `filters`:
    column → value equalities (year, source)."""
    query = select(allocations).where(allocations.c.division.between(lo, hi))
    for column, value in filters.items():
        query = query.where(allocations.c[column] == value)
    if after is not None:
        query = query.where(tuple_(allocations.c.division, allocations.c.id) > after)
    query = query.order_by(allocations.c.division, allocations.c.id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]


# Per receiving division of a subtree in a year: what it received, passed down (to others), committed
# to projects and paid, each from its own allocations of the year.
_SUMMARY = text(
    "WITH own AS (SELECT * FROM allocations WHERE year = :year AND division BETWEEN :lo AND :hi), "
    "received AS (SELECT division, sum(amount) AS amount FROM own GROUP BY division), "
    "passed AS (SELECT a.allocator AS division, sum(a.amount) AS amount FROM allocations a "
    "WHERE a.year = :year AND a.allocator BETWEEN :lo AND :hi AND a.division <> a.allocator "
    "GROUP BY a.allocator), "
    "drawn AS (SELECT own.division, "
    f"COALESCE(sum(d.amount) FILTER (WHERE p.status IN {COMMITTED}), 0) AS committed, "
    f"COALESCE(sum(d.amount) FILTER (WHERE p.status IN {PAID}), 0) AS paid "
    "FROM own JOIN project_draws d ON d.allocation_id = own.id JOIN projects p ON p.id = d.project_id "
    "GROUP BY own.division) "
    "SELECT r.division, r.amount AS received, COALESCE(passed.amount, 0) AS passed_down, "
    "COALESCE(drawn.committed, 0) AS committed, COALESCE(drawn.paid, 0) AS paid "
    "FROM received r LEFT JOIN passed ON passed.division = r.division "
    "LEFT JOIN drawn ON drawn.division = r.division ORDER BY r.division"
)


async def summary(session: AsyncSession, lo: str, hi: str, year: int) -> list[Row]:
    rows = await session.execute(_SUMMARY, {"lo": lo, "hi": hi, "year": year})
    return [dict(row) for row in rows.mappings()]
