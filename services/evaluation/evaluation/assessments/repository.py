"""All SQL of assessments, their assessees and scores."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncSession

from evaluation.models import assessees, assessment_score_history, assessment_scores, assessments

Row = dict[str, Any]
Position = tuple[str, uuid.UUID]


@dataclass(frozen=True)
class Filter:
    """Assessments whose assessor lies in [lo, hi], or with an assessee there; of `year` when given."""

    lo: str
    hi: str
    year: int | None = None


async def add(session: AsyncSession, values: Row, divisions: list[str]) -> Row:
    row = (await session.execute(insert(assessments).values(**values).returning(*assessments.c))).mappings()
    created = dict(row.one())
    await session.execute(
        insert(assessees), [{"assessment_id": created["id"], "division": code} for code in divisions]
    )
    return created


async def get(session: AsyncSession, assessment_id: uuid.UUID, *, lock: bool = False) -> Row | None:
    """The assessment, whoever asks: the service decides what of it the caller reads."""
    query = select(assessments).where(assessments.c.id == assessment_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def change(session: AsyncSession, assessment_id: uuid.UUID, values: Row) -> Row:
    result = await session.execute(
        update(assessments)
        .where(assessments.c.id == assessment_id)
        .values(**values)
        .returning(*assessments.c)
    )
    return dict(result.mappings().one())


def _has_assessee_within(lo: str, hi: str) -> Any:
    return exists().where(assessees.c.assessment_id == assessments.c.id, assessees.c.division.between(lo, hi))


async def page(session: AsyncSession, where: Filter, after: Position | None, limit: int) -> list[Row]:
    """`limit + 1` assessments matching `where` after `after`, in (assessor division, id) order."""
    query = select(assessments).where(
        or_(assessments.c.division.between(where.lo, where.hi), _has_assessee_within(where.lo, where.hi))
    )
    if where.year is not None:
        query = query.where(assessments.c.year == where.year)
    if after is not None:
        query = query.where(tuple_(assessments.c.division, assessments.c.id) > after)
    query = query.order_by(assessments.c.division, assessments.c.id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def assessees_of(
    session: AsyncSession, assessment_ids: list[uuid.UUID], lo: str = "0", hi: str = "9"
) -> list[Row]:
    """The assessees of the assessments within [lo, hi], in (assessment, division) order."""
    query = (
        select(assessees)
        .where(assessees.c.assessment_id.in_(assessment_ids), assessees.c.division.between(lo, hi))
        .order_by(assessees.c.assessment_id, assessees.c.division)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def assessee(
    session: AsyncSession, assessment_id: uuid.UUID, division: str, *, lock: bool = False
) -> Row | None:
    query = select(assessees).where(
        assessees.c.assessment_id == assessment_id, assessees.c.division == division
    )
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def change_assessee(session: AsyncSession, assessment_id: uuid.UUID, division: str, values: Row) -> Row:
    result = await session.execute(
        update(assessees)
        .where(assessees.c.assessment_id == assessment_id, assessees.c.division == division)
        .values(**values)
        .returning(*assessees.c)
    )
    return dict(result.mappings().one())


# ---- scores --------------------------------------------------------------------------------------------


async def scores_of(session: AsyncSession, assessment_id: uuid.UUID) -> list[Row]:
    query = (
        select(assessment_scores)
        .where(assessment_scores.c.assessment_id == assessment_id)
        .order_by(assessment_scores.c.division, assessment_scores.c.source)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def score(
    session: AsyncSession, assessment_id: uuid.UUID, division: str, source: str, *, lock: bool = False
) -> Row | None:
    query = select(assessment_scores).where(
        assessment_scores.c.assessment_id == assessment_id,
        assessment_scores.c.division == division,
        assessment_scores.c.source == source,
    )
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def add_score(session: AsyncSession, values: Row) -> Row | None:
    """The new score, or None when one is there already (a concurrent one included)."""
    statement = (
        upsert(assessment_scores)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["assessment_id", "division", "source"])
        .returning(*assessment_scores.c)
    )
    row = (await session.execute(statement)).mappings().first()
    return None if row is None else dict(row)


async def correct_score(session: AsyncSession, current: Row, values: Row, history: Row) -> Row:
    """Keep `current` in the history with the correction's reason, then put `values` in its place."""
    await session.execute(insert(assessment_score_history).values(**history))
    result = await session.execute(
        update(assessment_scores)
        .where(
            assessment_scores.c.assessment_id == current["assessment_id"],
            assessment_scores.c.division == current["division"],
            assessment_scores.c.source == current["source"],
        )
        .values(version=current["version"] + 1, recorded_at=func.now(), **values)
        .returning(*assessment_scores.c)
    )
    return dict(result.mappings().one())


async def score_history(
    session: AsyncSession, assessment_id: uuid.UUID, division: str, source: str
) -> list[Row]:
    query = (
        select(assessment_score_history)
        .where(
            assessment_score_history.c.assessment_id == assessment_id,
            assessment_score_history.c.division == division,
            assessment_score_history.c.source == source,
        )
        .order_by(assessment_score_history.c.version)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]
