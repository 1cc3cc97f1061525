"""All SQL of the case aggregate: cases, their history, and the registry read model they rely on."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, insert, literal, or_, select, text, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from identification.cases.schemas import CaseFilter
from identification.models import (
    batch_items,
    batches,
    case_history,
    cases,
    comparison_hits,
    rm_households,
    rm_incomes,
    rm_members,
)

Row = dict[str, Any]


class CaseAlreadyOpen(Exception):
    """The partial unique index refused a second active case of a kind for one household."""


async def get_household(session: AsyncSession, household_id: uuid.UUID, lo: str, hi: str) -> Row | None:
    row = (
        (
            await session.execute(
                select(rm_households).where(
                    rm_households.c.household_id == household_id, rm_households.c.division.between(lo, hi)
                )
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def household_members(session: AsyncSession, household_id: uuid.UUID) -> list[Row]:
    rows = await session.execute(
        select(rm_members).where(rm_members.c.household_id == household_id, rm_members.c.status == "active")
    )
    return [dict(row) for row in rows.mappings()]


# Nobody lives in the household: no current member in the read model's snapshot of its members (a
# household known only by its count, with no member rows, counts as living while the count is above 0).
NO_LIVING_MEMBERS_SQL = """
    NOT EXISTS (SELECT 1 FROM rm_members lm WHERE lm.household_id = {household} AND lm.status = 'active')
    AND (EXISTS (SELECT 1 FROM rm_members am WHERE am.household_id = {household})
         OR NOT EXISTS (SELECT 1 FROM rm_households lh
                        WHERE lh.household_id = {household} AND lh.member_count > 0))
"""


async def has_living_members(session: AsyncSession, household_id: uuid.UUID) -> bool:
    condition = NO_LIVING_MEMBERS_SQL.format(household="CAST(:household_id AS uuid)")
    result = await session.execute(text(f"SELECT {condition}"), {"household_id": household_id})
    return not bool(result.scalar_one())


async def lock_household(session: AsyncSession, household_id: uuid.UUID) -> None:
    """Serialise the opening of procedures for one household until the transaction ends, so that an
    application and a monitoring warning opened at the same moment cannot both see the other absent."""
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext(f"identification.household.{household_id}")))
    )


async def active_case(session: AsyncSession, household_id: uuid.UUID, kind: str) -> Row | None:
    row = (
        (
            await session.execute(
                select(cases).where(
                    cases.c.household_id == household_id, cases.c.kind == kind, cases.c.active
                )
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def cases_in_states(
    session: AsyncSession, household_id: uuid.UUID, kind: str, states: Sequence[str]
) -> list[Row]:
    rows = await session.execute(
        select(cases).where(
            cases.c.household_id == household_id, cases.c.kind == kind, cases.c.state.in_(list(states))
        )
    )
    return [dict(row) for row in rows.mappings()]


async def income(session: AsyncSession, household_id: uuid.UUID, year: int) -> Row | None:
    row = (
        (
            await session.execute(
                select(rm_incomes).where(rm_incomes.c.household_id == household_id, rm_incomes.c.year == year)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def insert_case(session: AsyncSession, values: Row) -> None:
    try:
        async with session.begin_nested():
            await session.execute(insert(cases).values(**values))
    except IntegrityError as exc:
        if "uq_cases_active_household_kind" in str(exc.orig):
            raise CaseAlreadyOpen from None
        raise


async def get_case(
    session: AsyncSession, case_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    stmt = select(cases).where(cases.c.id == case_id, cases.c.division.between(lo, hi))
    if lock:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().first()
    return None if row is None else dict(row)


async def cases_by_id(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> list[Row]:
    if not case_ids:
        return []
    rows = await session.execute(select(cases).where(cases.c.id.in_(list(case_ids))))
    return [dict(row) for row in rows.mappings()]


async def set_state(
    session: AsyncSession, case_id: uuid.UUID, to_state: str, active: bool, now: dt.datetime, **values: Any
) -> None:
    await session.execute(
        update(cases)
        .where(cases.c.id == case_id)
        .values(state=to_state, active=active, version=cases.c.version + 1, updated_at=now, **values)
    )


async def insert_history(session: AsyncSession, rows: Sequence[Row]) -> None:
    if rows:
        await session.execute(insert(case_history), list(rows))


async def list_history(session: AsyncSession, case_id: uuid.UUID) -> list[Row]:
    rows = await session.execute(
        select(case_history).where(case_history.c.case_id == case_id).order_by(case_history.c.seq)
    )
    return [dict(row) for row in rows.mappings()]


async def last_step_at(session: AsyncSession, case_id: uuid.UUID, action: str) -> dt.datetime | None:
    result = await session.execute(
        select(func.max(case_history.c.at)).where(
            case_history.c.case_id == case_id, case_history.c.action == action
        )
    )
    value: dt.datetime | None = result.scalar_one_or_none()
    return value


async def opening_detail(session: AsyncSession, case_id: uuid.UUID) -> dict[str, Any]:
    """What the case was opened with (its first history row's detail): an exit's assurances, for one."""
    result = await session.execute(
        select(case_history.c.detail)
        .where(case_history.c.case_id == case_id, case_history.c.action == "open")
        .order_by(case_history.c.at)
        .limit(1)
    )
    detail: dict[str, Any] | None = result.scalar_one_or_none()
    return detail or {}


async def search(
    session: AsyncSession,
    lo: str,
    hi: str,
    filters: CaseFilter,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[Row]:
    """Keyset pagination on (division, id): the jurisdiction range predicate drives the index. One
    household's cases (a handful) are found by ix_cases_household, there since identification_0002; the
    range predicate still applies, so a household outside the jurisdiction yields nothing."""
    conditions: list[Any] = [cases.c.division.between(lo, hi)]
    if filters.kind is not None:
        conditions.append(cases.c.kind == filters.kind)
    if filters.state is not None:
        conditions.append(cases.c.state == filters.state)
    if filters.household_id is not None:
        conditions.append(cases.c.household_id == filters.household_id)
    if after is not None:
        conditions.append(tuple_(cases.c.division, cases.c.id) > tuple_(literal(after[0]), literal(after[1])))
    rows = await session.execute(
        select(cases).where(and_(*conditions)).order_by(cases.c.division, cases.c.id).limit(limit + 1)
    )
    return [dict(row) for row in rows.mappings()]


async def open_blocking_hits(session: AsyncSession, case_id: uuid.UUID) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(comparison_hits)
        .where(
            comparison_hits.c.case_id == case_id,
            comparison_hits.c.effect == "block",
            comparison_hits.c.status == "open",
        )
    )
    return int(result.scalar_one())


async def unaddressed_failed_check(session: AsyncSession, case_id: uuid.UUID, step: str) -> Row | None:
    """The last failed spot-check of the case at `step` (a batch's finding), if the case has not moved
    since it was recorded."""
    result = await session.execute(
        text(
            """
            SELECT f.detail, f.batch_id, f.at FROM case_history f
            WHERE f.case_id = :case_id AND f.action = 'spot_check_failed' AND f.detail->>'step' = :step
              AND f.seq > coalesce((SELECT max(t.seq) FROM case_history t
                                    WHERE t.case_id = :case_id AND t.from_state IS DISTINCT FROM t.to_state), 0)
            ORDER BY f.seq DESC LIMIT 1
            """
        ),
        {"case_id": case_id, "step": step},
    )
    row = result.mappings().first()
    return None if row is None else dict(row)


async def open_batch_of_case(session: AsyncSession, case_id: uuid.UUID, step: str) -> uuid.UUID | None:
    """The undecided (drawn) batch of `step` whose frozen list holds the case, if any."""
    result = await session.execute(
        select(batches.c.id)
        .join(batch_items, batch_items.c.batch_id == batches.c.id)
        .where(batch_items.c.case_id == case_id, batches.c.action == step, batches.c.status == "drawn")
        .limit(1)
    )
    value: uuid.UUID | None = result.scalar_one_or_none()
    return value


async def counted_in_quota(session: AsyncSession, lo: str, hi: str, year: int, states: Sequence[str]) -> int:
    """Identification cases of the year within [lo, hi] that already hold a place in the quota."""
    result = await session.execute(
        select(func.count())
        .select_from(cases)
        .where(
            cases.c.kind == "identification",
            cases.c.year == year,
            cases.c.division.between(lo, hi),
            or_(cases.c.state.in_(list(states))),
        )
    )
    return int(result.scalar_one())
