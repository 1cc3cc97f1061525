"""All SQL of projects' links to households, their versions and the benefits received."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.models import link_benefits, project_link_versions, project_links, rm_households, rm_projects

Row = dict[str, Any]
Position = tuple[str, uuid.UUID]
VERSION_FIELDS = ("mechanism", "expected_yearly", "started_on", "note")


@dataclass(frozen=True)
class Filter:
    lo: str
    hi: str
    project_id: uuid.UUID | None = None
    mechanism: str | None = None


def _one(row: Any) -> Row | None:
    return None if row is None else dict(row)


async def project(
    session: AsyncSession, project_id: uuid.UUID, lo: str, hi: str, *, share: bool = False
) -> Row | None:
    """`share`: held FOR SHARE until the transaction ends, so a rejection the consumer applies meanwhile
    waits for this write (and then ends what it made) or is seen by it."""
    query = select(rm_projects).where(
        rm_projects.c.project_id == project_id, rm_projects.c.division.between(lo, hi)
    )
    if share:
        query = query.with_for_update(read=True)
    return _one((await session.execute(query)).mappings().first())


async def project_held_for_a_benefit(session: AsyncSession, project_id: uuid.UUID) -> Row | None:
    """The project of a link the caller holds (wherever the project lies: a county links its households to
    projects of other townships), FOR SHARE as `project(share=True)`."""
    query = select(rm_projects).where(rm_projects.c.project_id == project_id).with_for_update(read=True)
    return _one((await session.execute(query)).mappings().first())


async def current(
    session: AsyncSession, project_id: uuid.UUID, household_id: uuid.UUID, lo: str, hi: str
) -> Row | None:
    """The current link of the project to the household, if it lies within [lo, hi]; locked for a change."""
    query = (
        select(project_links)
        .where(
            project_links.c.project_id == project_id,
            project_links.c.household_id == household_id,
            project_links.c.ended_on.is_(None),
            project_links.c.division.between(lo, hi),
        )
        .with_for_update()
    )
    return _one((await session.execute(query)).mappings().first())


async def get(
    session: AsyncSession, link_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    query = select(project_links).where(
        project_links.c.id == link_id, project_links.c.division.between(lo, hi)
    )
    if lock:
        query = query.with_for_update()
    return _one((await session.execute(query)).mappings().first())


async def add(session: AsyncSession, values: Row, reason: str | None) -> Row:
    link = dict(
        (await session.execute(insert(project_links).values(**values).returning(*project_links.c)))
        .mappings()
        .one()
    )
    await add_version(session, link, reason)
    return link


async def add_version(session: AsyncSession, link: Row, reason: str | None) -> None:
    await session.execute(
        insert(project_link_versions).values(
            link_id=link["id"], version=link["version"], reason=reason, set_by=link["made_by"],
            **{key: link[key] for key in VERSION_FIELDS},
        )
    )  # fmt: skip


async def change(session: AsyncSession, link_id: uuid.UUID, values: Row) -> Row:
    statement = update(project_links).where(project_links.c.id == link_id).values(**values)
    return dict((await session.execute(statement.returning(*project_links.c))).mappings().one())


async def end_current_of_project(
    session: AsyncSession, project_id: uuid.UUID, ended_on: dt.date, reason: str, ended_by: str
) -> list[Row]:
    """End every current link of the project on `ended_on` (or on its start day, for a link that started
    after it: an ending never precedes its start); the ended links."""
    statement = (
        update(project_links)
        .where(project_links.c.project_id == project_id, project_links.c.ended_on.is_(None))
        .values(
            ended_on=func.greatest(ended_on, project_links.c.started_on),
            end_reason=reason,
            ended_by=ended_by,
        )
        .returning(*project_links.c)
    )
    return [dict(row) for row in (await session.execute(statement)).mappings()]


async def versions(session: AsyncSession, link_id: uuid.UUID) -> list[Row]:
    """Newest first."""
    query = (
        select(project_link_versions)
        .where(project_link_versions.c.link_id == link_id)
        .order_by(project_link_versions.c.version.desc())
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def benefit_versions(session: AsyncSession, link_id: uuid.UUID, year: int) -> list[Row]:
    """The year's recorded amounts, newest version first."""
    query = (
        select(link_benefits)
        .where(link_benefits.c.link_id == link_id, link_benefits.c.year == year)
        .order_by(link_benefits.c.version.desc())
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def last_benefit_year(session: AsyncSession, link_id: uuid.UUID) -> int | None:
    """The latest year any benefit is recorded for on the link."""
    query = select(func.max(link_benefits.c.year)).where(link_benefits.c.link_id == link_id)
    year: int | None = (await session.execute(query)).scalar_one()
    return year


async def add_benefit(session: AsyncSession, values: Row) -> Row:
    statement = insert(link_benefits).values(**values).returning(*link_benefits.c)
    return dict((await session.execute(statement)).mappings().one())


async def received(session: AsyncSession, link_ids: list[uuid.UUID]) -> list[Row]:
    """The current (highest-version) amount of each link and year: (link_id, year, amount)."""
    if not link_ids:
        return []
    query = (
        select(link_benefits.c.link_id, link_benefits.c.year, link_benefits.c.amount)
        .where(link_benefits.c.link_id.in_(link_ids))
        .distinct(link_benefits.c.link_id, link_benefits.c.year)
        .order_by(link_benefits.c.link_id, link_benefits.c.year, link_benefits.c.version.desc())
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


def _with_household() -> Any:
    return select(
        project_links,
        rm_households.c.head_name,
        rm_households.c.status.label("household_status"),
        rm_projects.c.name.label("project_name"),
    ).select_from(
        project_links.join(
            rm_households, rm_households.c.household_id == project_links.c.household_id, isouter=True
        ).join(rm_projects, rm_projects.c.project_id == project_links.c.project_id, isouter=True)
    )


async def of_household(session: AsyncSession, household_id: uuid.UUID) -> list[Row]:
    """Current links first, then ended ones, each newest first."""
    query = (
        _with_household()
        .where(project_links.c.household_id == household_id)
        .order_by(project_links.c.ended_on.is_not(None), project_links.c.made_at.desc())
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def of_project(session: AsyncSession, project_id: uuid.UUID, lo: str, hi: str) -> list[Row]:
    """Every link (current and ended) of the project within [lo, hi], with its household's status."""
    query = _with_household().where(
        project_links.c.project_id == project_id, project_links.c.division.between(lo, hi)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def page(session: AsyncSession, where: Filter, after: Position | None, limit: int) -> list[Row]:
    """`limit + 1` current links matching `where` after `after`, in (division, id) order."""
    query = _with_household().where(
        project_links.c.division.between(where.lo, where.hi), project_links.c.ended_on.is_(None)
    )
    if where.project_id is not None:
        query = query.where(project_links.c.project_id == where.project_id)
    if where.mechanism is not None:
        query = query.where(project_links.c.mechanism == where.mechanism)
    if after is not None:
        query = query.where(tuple_(project_links.c.division, project_links.c.id) > after)
    query = query.order_by(project_links.c.division, project_links.c.id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]
