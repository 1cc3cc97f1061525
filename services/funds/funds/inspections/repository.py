"""All SQL of joint inspections (联合检查), their items and what a closed one publishes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, insert, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from funds.models import findings, inspection_items, inspections, projects

Row = dict[str, Any]
Position = tuple[str, uuid.UUID]


async def add(session: AsyncSession, values: Row) -> Row:
    query = insert(inspections).values(**values).returning(*inspections.c)
    return dict((await session.execute(query)).mappings().one())


async def get(
    session: AsyncSession, inspection_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    """The inspection if its county lies within [lo, hi]; `lock`: FOR UPDATE, so that an item and the
    close of one inspection run one after another (no item lands in a closed inspection)."""
    query = select(inspections).where(
        inspections.c.id == inspection_id, inspections.c.division.between(lo, hi)
    )
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def close(session: AsyncSession, inspection_id: uuid.UUID, values: Row) -> Row:
    query = (
        update(inspections)
        .where(inspections.c.id == inspection_id)
        .values(status="closed", closed_at=func.now(), version=inspections.c.version + 1, **values)
        .returning(*inspections.c)
    )
    return dict((await session.execute(query)).mappings().one())


async def project_in(session: AsyncSession, project_id: uuid.UUID, lo: str, hi: str) -> Row | None:
    query = select(projects.c.id, projects.c.division, projects.c.name).where(
        projects.c.id == project_id, projects.c.division.between(lo, hi)
    )
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def has_item(session: AsyncSession, inspection_id: uuid.UUID, project_id: uuid.UUID) -> bool:
    query = select(inspection_items.c.id).where(
        inspection_items.c.inspection_id == inspection_id, inspection_items.c.project_id == project_id
    )
    return (await session.execute(query.limit(1))).first() is not None


async def add_item(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(inspection_items).values(**values))


async def items_of(session: AsyncSession, inspection_id: uuid.UUID) -> list[Row]:
    query = (
        select(*inspection_items.c, projects.c.name.label("project_name"))
        .join(projects, projects.c.id == inspection_items.c.project_id)
        .where(inspection_items.c.inspection_id == inspection_id)
        .order_by(inspection_items.c.recorded_at, inspection_items.c.id)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def finding_ids_of(session: AsyncSession, inspection_id: uuid.UUID) -> list[uuid.UUID]:
    query = select(findings.c.id).where(findings.c.inspection_id == inspection_id)
    return [row[0] for row in await session.execute(query)]


# What a closed inspection publishes: the projects inspected and, per point, the projects that failed it.
_TALLY = text(
    "SELECT count(DISTINCT i.project_id) AS projects_inspected, "
    "COALESCE((SELECT jsonb_object_agg(point, n) FROM (SELECT c->>'point' AS point, "
    "count(DISTINCT j.project_id) AS n FROM inspection_items j "
    "CROSS JOIN LATERAL jsonb_array_elements(j.checklist) c "
    "WHERE j.inspection_id = :inspection_id AND NOT (c->>'passed')::boolean GROUP BY c->>'point') failed), "
    "'{}'::jsonb) AS failed_points "
    "FROM inspection_items i WHERE i.inspection_id = :inspection_id"
)


async def tally(session: AsyncSession, inspection_id: uuid.UUID) -> Row:
    row = (await session.execute(_TALLY, {"inspection_id": inspection_id})).mappings().one()
    return dict(row)


async def page(
    session: AsyncSession, lo: str, hi: str, filters: Row, after: Position | None, limit: int
) -> list[Row]:
    """`limit + 1` inspections within [lo, hi] after `after`, in (division, id) order; `filters`: column →
    value equalities (year, status)."""
    query = select(inspections).where(inspections.c.division.between(lo, hi))
    for column, value in filters.items():
        query = query.where(inspections.c[column] == value)
    if after is not None:
        query = query.where(tuple_(inspections.c.division, inspections.c.id) > after)
    query = query.order_by(inspections.c.division, inspections.c.id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]
