"""All SQL of projects, their history, their public notices and their completion evaluations."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from funds.models import project_evaluations, project_history, project_notices, projects

Row = dict[str, Any]
Position = tuple[str, uuid.UUID]


async def add(session: AsyncSession, values: Row) -> Row:
    row = (await session.execute(insert(projects).values(**values).returning(*projects.c))).mappings().one()
    return dict(row)


async def get(
    session: AsyncSession, project_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    """The project if it lies within [lo, hi]; `lock`: FOR UPDATE, so that two steps of one project (ten
    identical approvals sent at once) run one after another and the later ones see the status moved."""
    query = select(projects).where(projects.c.id == project_id, projects.c.division.between(lo, hi))
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def move(session: AsyncSession, project_id: uuid.UUID, status: str, extra: Row) -> Row:
    """Set the status (and `extra` columns), bump the version; the updated row."""
    row = (
        (
            await session.execute(
                update(projects)
                .where(projects.c.id == project_id)
                .values(status=status, version=projects.c.version + 1, updated_at=func.now(), **extra)
                .returning(*projects.c)
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


async def add_history(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(project_history).values(**values))


async def history_of(session: AsyncSession, project_id: uuid.UUID) -> list[Row]:
    rows = await session.execute(
        select(project_history)
        .where(project_history.c.project_id == project_id)
        .order_by(project_history.c.seq)
    )
    return [dict(row) for row in rows.mappings()]


async def page(
    session: AsyncSession,
    lo: str,
    hi: str,
    after: Position | None,
    limit: int,
    filters: Row,
) -> list[Row]:
    """`limit + 1` projects within [lo, hi] after `after`, in (division, id) order; `filters`: column →
    value equalities (status, year, category)."""
    query = select(projects).where(projects.c.division.between(lo, hi))
    for column, value in filters.items():
        query = query.where(projects.c[column] == value)
    if after is not None:
        query = query.where(tuple_(projects.c.division, projects.c.id) > after)
    query = query.order_by(projects.c.division, projects.c.id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def add_notice(session: AsyncSession, values: Row) -> Row:
    row = (
        (await session.execute(insert(project_notices).values(**values).returning(*project_notices.c)))
        .mappings()
        .one()
    )
    return dict(row)


async def notice_of(session: AsyncSession, project_id: uuid.UUID) -> Row | None:
    row = (
        (await session.execute(select(project_notices).where(project_notices.c.project_id == project_id)))
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def notices_of(session: AsyncSession, project_ids: list[uuid.UUID]) -> dict[uuid.UUID, Row]:
    if not project_ids:
        return {}
    rows = await session.execute(select(project_notices).where(project_notices.c.project_id.in_(project_ids)))
    return {row["project_id"]: dict(row) for row in rows.mappings()}


_PUBLIC_COLUMNS = (
    projects.c.id,
    projects.c.division,
    projects.c.name,
    projects.c.category,
    projects.c.nature,
    projects.c.year,
    projects.c.responsible_unit,
    projects.c.budget,
    projects.c.financing,
    projects.c.performance_target,
    projects.c.beneficiary_households,
    projects.c.beneficiary_people,
    projects.c.starts_on.label("project_starts_on"),
    projects.c.ends_on.label("project_ends_on"),
    projects.c.status,
    project_notices.c.starts_on,
    project_notices.c.ends_on,
)


def _public() -> Any:
    # Only the columns the public board shows: no household ids, no accounts of who proposed or posted.
    return select(*_PUBLIC_COLUMNS).join(project_notices, project_notices.c.project_id == projects.c.id)


async def public_notice(session: AsyncSession, project_id: uuid.UUID) -> Row | None:
    row = (await session.execute(_public().where(projects.c.id == project_id))).mappings().first()
    return None if row is None else dict(row)


async def public_page(
    session: AsyncSession, lo: str, hi: str, year: int | None, after: Position | None, limit: int
) -> list[Row]:
    """`limit + 1` notices (running or ended) of the projects within [lo, hi], in (division, id) order."""
    query = _public().where(project_notices.c.division.between(lo, hi))
    if year is not None:
        query = query.where(projects.c.year == year)
    if after is not None:
        query = query.where(tuple_(project_notices.c.division, project_notices.c.project_id) > after)
    query = query.order_by(project_notices.c.division, project_notices.c.project_id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]


# ---- completion evaluations (竣工绩效评价) -------------------------------------------------------------------


async def evaluations_of(session: AsyncSession, project_id: uuid.UUID) -> list[Row]:
    """Every version of the project's completion evaluation, newest first."""
    query = (
        select(project_evaluations)
        .where(project_evaluations.c.project_id == project_id)
        .order_by(project_evaluations.c.version.desc())
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def add_evaluation(session: AsyncSession, values: Row) -> Row:
    query = insert(project_evaluations).values(**values).returning(*project_evaluations.c)
    return dict((await session.execute(query)).mappings().one())


async def current_evaluations(session: AsyncSession, project_ids: list[uuid.UUID]) -> dict[uuid.UUID, Row]:
    """The current (highest) version of each project's evaluation, for those that have one."""
    if not project_ids:
        return {}
    query = (
        select(project_evaluations)
        .where(project_evaluations.c.project_id.in_(project_ids))
        .distinct(project_evaluations.c.project_id)
        .order_by(project_evaluations.c.project_id, project_evaluations.c.version.desc())
    )
    return {row["project_id"]: dict(row) for row in (await session.execute(query)).mappings()}
