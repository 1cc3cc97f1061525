"""All SQL of evaluations, their samples and findings."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Integer, case, func, insert, literal_column, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncSession

from evaluation.models import (
    evaluation_samples,
    evaluations,
    finding_history,
    findings,
    rm_households,
)

Row = dict[str, Any]
Position = tuple[str, uuid.UUID]
# As the rates count them (evaluation.rates): households still registered poor, and exited ones.
REGISTERED_POOR = ("registered", "returned")
EXITED = "exited"


async def add(session: AsyncSession, values: Row) -> Row:
    row = (await session.execute(insert(evaluations).values(**values).returning(*evaluations.c))).mappings()
    return dict(row.one())


async def get(
    session: AsyncSession, evaluation_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    """The evaluation if its county lies within [lo, hi]; locked for a change, so that changes serialise."""
    query = select(evaluations).where(
        evaluations.c.id == evaluation_id, evaluations.c.division.between(lo, hi)
    )
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def change(session: AsyncSession, evaluation_id: uuid.UUID, values: Row) -> Row:
    result = await session.execute(
        update(evaluations)
        .where(evaluations.c.id == evaluation_id)
        .values(**values)
        .returning(*evaluations.c)
    )
    return dict(result.mappings().one())


async def page(session: AsyncSession, lo: str, hi: str, after: Position | None, limit: int) -> list[Row]:
    query = select(evaluations).where(evaluations.c.division.between(lo, hi))
    if after is not None:
        query = query.where(tuple_(evaluations.c.division, evaluations.c.id) > after)
    query = query.order_by(evaluations.c.division, evaluations.c.id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]


# ---- the read model, for the draw ----------------------------------------------------------------------


async def distinct_prefixes(session: AsyncSession, lo: str, hi: str, length: int) -> list[str]:
    """The distinct first `length` digits of the households' divisions within [lo, hi] (townships: 9,
    villages: 12), in code order: the strata the draw chooses from, read off the division index."""
    prefix = func.substr(rm_households.c.division, 1, length)
    query = (
        select(prefix.label("code"))
        .where(rm_households.c.division.between(lo, hi))
        .group_by(prefix)
        .order_by(prefix)
    )
    return [row.code for row in await session.execute(query)]


async def village_households(session: AsyncSession, village: str) -> list[Row]:
    """One village's households (a few hundred at most), in id order."""
    query = (
        select(
            rm_households.c.household_id,
            rm_households.c.division,
            rm_households.c.status,
            rm_households.c.member_count,
        )
        .where(rm_households.c.division == village)
        .order_by(rm_households.c.household_id)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def freeze_sample(session: AsyncSession, rows: list[Row]) -> None:
    if rows:
        await session.execute(insert(evaluation_samples), rows)


async def sample_page(
    session: AsyncSession, evaluation_id: uuid.UUID, after: Position | None, limit: int
) -> list[Row]:
    """`limit + 1` sampled households after `after`, in (division, household_id) order, with the
    household's finding's main flags when it has one."""
    query = (
        select(
            evaluation_samples,
            findings.c.wrongly_exited,
            findings.c.missed,
            findings.c.satisfied,
            findings.c.people_affected,
        )
        .select_from(
            evaluation_samples.outerjoin(
                findings,
                (findings.c.evaluation_id == evaluation_samples.c.evaluation_id)
                & (findings.c.household_id == evaluation_samples.c.household_id),
            )
        )
        .where(evaluation_samples.c.evaluation_id == evaluation_id)
    )
    if after is not None:
        query = query.where(tuple_(evaluation_samples.c.division, evaluation_samples.c.household_id) > after)
    query = query.order_by(evaluation_samples.c.division, evaluation_samples.c.household_id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def sampled(session: AsyncSession, evaluation_id: uuid.UUID, household_id: uuid.UUID) -> Row | None:
    query = select(evaluation_samples).where(
        evaluation_samples.c.evaluation_id == evaluation_id,
        evaluation_samples.c.household_id == household_id,
    )
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


# ---- findings ------------------------------------------------------------------------------------------


async def add_finding(session: AsyncSession, values: Row) -> Row | None:
    """The new finding, or None when the household has one already (a concurrent one included)."""
    statement = (
        upsert(findings)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["evaluation_id", "household_id"])
        .returning(*findings.c)
    )
    row = (await session.execute(statement)).mappings().first()
    return None if row is None else dict(row)


async def get_finding(
    session: AsyncSession, evaluation_id: uuid.UUID, household_id: uuid.UUID, *, lock: bool = False
) -> Row | None:
    query = select(findings).where(
        findings.c.evaluation_id == evaluation_id, findings.c.household_id == household_id
    )
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def correct_finding(session: AsyncSession, current: Row, values: Row, history: Row) -> Row:
    """Keep `current` in the history with the correction's reason, then put `values` in its place."""
    await session.execute(insert(finding_history).values(**history))
    result = await session.execute(
        update(findings)
        .where(
            findings.c.evaluation_id == current["evaluation_id"],
            findings.c.household_id == current["household_id"],
        )
        .values(version=current["version"] + 1, recorded_at=func.now(), **values)
        .returning(*findings.c)
    )
    return dict(result.mappings().one())


async def history_of(session: AsyncSession, evaluation_id: uuid.UUID, household_id: uuid.UUID) -> list[Row]:
    query = (
        select(finding_history)
        .where(
            finding_history.c.evaluation_id == evaluation_id,
            finding_history.c.household_id == household_id,
        )
        .order_by(finding_history.c.version)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def flagged_findings(session: AsyncSession, evaluation_id: uuid.UUID) -> list[Row]:
    """The findings marking a household wrongly exited or missed (each becomes a rectification task)."""
    query = (
        select(findings)
        .where(findings.c.evaluation_id == evaluation_id, findings.c.wrongly_exited | findings.c.missed)
        .order_by(findings.c.division, findings.c.household_id)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


def _total(condition: Any, amount: Any) -> Any:
    return func.coalesce(func.sum(case((condition, amount), else_=0)), 0).cast(Integer)


async def counts(session: AsyncSession, evaluation_id: uuid.UUID) -> Row:
    """What the rates are computed from, summed in the database over the frozen sample's surveyed
    households (those with a finding): counting the people of a household nobody surveyed would grow a
    denominator whose numerator could not grow with it, so a partial survey would look better."""
    sample, finding = evaluation_samples.c, findings.c
    one: Any = literal_column("1")
    surveyed = finding.household_id.is_not(None)
    non_registered = sample.status.notin_((*REGISTERED_POOR, "monitored", EXITED))
    query = (
        select(
            _total(surveyed & (sample.status == EXITED), sample.member_count).label("exited_people"),
            _total(finding.wrongly_exited, finding.people_affected).label("wrongly_exited_people"),
            _total(surveyed & non_registered, sample.member_count).label("non_registered_people"),
            _total(finding.missed, finding.people_affected).label("missed_people"),
            _total(surveyed, one).label("surveyed_households"),
            _total(finding.satisfied, one).label("satisfied_households"),
            _total(surveyed, sample.member_count).label("sampled_people"),
            _total(surveyed & sample.status.in_(REGISTERED_POOR), sample.member_count).label(
                "registered_poor_people"
            ),
        )
        .select_from(
            evaluation_samples.outerjoin(
                findings,
                (finding.evaluation_id == sample.evaluation_id)
                & (finding.household_id == sample.household_id),
            )
        )
        .where(sample.evaluation_id == evaluation_id)
    )
    return dict((await session.execute(query)).mappings().one())


async def stratum_counts(session: AsyncSession, evaluation_id: uuid.UUID) -> list[Row]:
    """Per stratum of the frozen sample: households sampled, surveyed (with a finding) and approving."""
    sample, finding = evaluation_samples.c, findings.c
    one: Any = literal_column("1")
    query = (
        select(
            sample.stratum,
            func.count().label("sampled"),
            _total(finding.household_id.is_not(None), one).label("surveyed"),
            _total(finding.satisfied, one).label("approving"),
        )
        .select_from(
            evaluation_samples.outerjoin(
                findings,
                (finding.evaluation_id == sample.evaluation_id)
                & (finding.household_id == sample.household_id),
            )
        )
        .where(sample.evaluation_id == evaluation_id)
        .group_by(sample.stratum)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]
