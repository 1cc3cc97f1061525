"""All SQL of supervision findings, the checks included: each payment kind is one predicate over a payment
`p`, used alike for the payment just recorded and for a scan of a subtree's payments, so that what a write
finds and what a scan finds can never differ. A finding is one row per (payment, kind): a scan inserts what
is not held yet and answers only those.

Two kinds judge the flow of allocations instead (domain.md §6), one row per allocation (and project) and
kind: idle-funds (资金滞留), an allocation received by a county-level division whose deadline has passed with
part of it neither passed down nor drawn on by a project in implementation or later; outside-category (挪用),
a project approved by the county (its money committed) and not rejected drawing on an allocation not
approved for its category; a rejection voids it. A joint inspection's failed point is a
finding on the project (inspection-issue), one row per project and point. Payments name no allocation, so what was
paid counts through the projects drawing on it (a project in implementation or later uses all it draws)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from funds.allocations.repository import COMMITTED, IN_USE
from funds.codes import FindingKind, FindingStatus
from funds.models import allocations, findings, payments, projects, rm_households
from fupin_kit import divisions

Row = dict[str, Any]
Position = tuple[str, uuid.UUID]

# The statuses of a household a payment may go to (建档立卡: registered, returned to poverty, monitored).
_REGISTERED = "('registered', 'returned', 'monitored')"
_DIED_BY_PAYMENT = "m.status = 'deceased' AND (m.died_on IS NULL OR m.died_on <= p.paid_on)"

CHECKS: dict[FindingKind, str] = {
    FindingKind.NON_REGISTERED: (
        "NOT EXISTS (SELECT 1 FROM rm_households h WHERE h.household_id = p.household_id "
        f"AND h.status IN {_REGISTERED})"
    ),
    # To a member who had died by the day paid, or to a household none of whose members lives (all dead
    # or gone, at least one dead by then).
    FindingKind.DECEASED: (
        "(p.member_id IS NOT NULL AND EXISTS (SELECT 1 FROM rm_members m "
        f"WHERE m.member_id = p.member_id AND {_DIED_BY_PAYMENT})) "
        "OR (p.member_id IS NULL "
        "AND EXISTS (SELECT 1 FROM rm_members m WHERE m.household_id = p.household_id "
        f"AND {_DIED_BY_PAYMENT}) "
        "AND NOT EXISTS (SELECT 1 FROM rm_members m WHERE m.household_id = p.household_id "
        "AND m.status = 'active'))"
    ),
    FindingKind.DUPLICATE: "p.ordinal > 1",
    FindingKind.ABOVE_STANDARD: "p.amount > p.standard",
    # A project's `acceptance` is the acceptance that passed (none before it).
    FindingKind.BEFORE_ACCEPTANCE: (
        "p.project_id IS NOT NULL AND EXISTS (SELECT 1 FROM projects pr WHERE pr.id = p.project_id "
        "AND (pr.acceptance IS NULL OR (pr.acceptance->>'accepted_on')::date > p.paid_on))"
    ),
    # The project's payments up to and including this one (in recording order) exceed its budget.
    FindingKind.OVER_BUDGET: (
        "p.project_id IS NOT NULL AND EXISTS (SELECT 1 FROM projects pr WHERE pr.id = p.project_id "
        "AND pr.budget < (SELECT sum(q.amount) FROM payments q WHERE q.project_id = p.project_id "
        "AND (q.recorded_at, q.id) <= (p.recorded_at, p.id)))"
    ),
}
_ONE_PAYMENT = "p.id = :payment_id"
_SUBTREE = "p.division BETWEEN :lo AND :hi"


def _raise_sql(kind: FindingKind, scope: str) -> Any:
    return text(
        "INSERT INTO findings (id, payment_id, division, kind, raised_by) "
        "SELECT gen_random_uuid(), p.id, p.division, :kind, :raised_by FROM payments p "
        f"WHERE {scope} AND ({CHECKS[kind]}) "
        "ON CONFLICT ON CONSTRAINT uq_findings_payment_kind DO NOTHING RETURNING id"
    )


async def _raise(session: AsyncSession, scope: str, params: Row, raised_by: str) -> list[uuid.UUID]:
    raised: list[uuid.UUID] = []
    for kind in CHECKS:
        result = await session.execute(
            _raise_sql(kind, scope), {**params, "kind": kind.value, "raised_by": raised_by}
        )
        raised += [row[0] for row in result]
    return raised


# A county, or a city without counties, which stands for its county: `a.division` at the county level.
_COUNTY_LEVEL = (
    "((a.division LIKE '______000000' AND a.division NOT LIKE '____00000000') "
    "OR a.division = ANY(CAST(:countyless AS varchar[])))"
)
# What of an allocation is neither passed down nor drawn on by a project in use.
_IDLE = (
    "a.amount - COALESCE((SELECT sum(c.amount) FROM allocations c WHERE c.parent_id = a.id), 0) "
    "- COALESCE((SELECT sum(d.amount) FROM project_draws d JOIN projects pr ON pr.id = d.project_id "
    f"WHERE d.allocation_id = a.id AND pr.status IN {IN_USE}), 0)"
)
_ON_ALLOCATION = (
    "ON CONFLICT (allocation_id, COALESCE(project_id, '00000000-0000-0000-0000-000000000000'::uuid), kind) "
    "WHERE payment_id IS NULL DO NOTHING RETURNING id"
)
# Past the deadline: the day after it at the earliest ("today" is China's, given by the caller).
_IDLE_SQL = text(
    "INSERT INTO findings (id, allocation_id, division, kind, raised_by, idle_amount) "
    "SELECT gen_random_uuid(), a.id, a.division, :kind, :raised_by, idle.amount FROM allocations a "
    f"CROSS JOIN LATERAL (SELECT {_IDLE} AS amount) idle "
    f"WHERE a.division BETWEEN :lo AND :hi AND {_COUNTY_LEVEL} AND a.deadline < :today AND idle.amount > 0 "
    + _ON_ALLOCATION
)
# Money is committed at the county's approval: before it a proposal diverts nothing, and a rejected
# project never will.
_ONE_PROJECT = f"p.id = :project_id AND p.status IN {COMMITTED}"
_PROJECTS_IN_SUBTREE = f"p.division BETWEEN :lo AND :hi AND p.status IN {COMMITTED}"


def _outside_category_sql(scope: str) -> Any:
    return text(
        "INSERT INTO findings (id, allocation_id, project_id, division, kind, raised_by) "
        "SELECT gen_random_uuid(), a.id, p.id, p.division, :kind, :raised_by FROM project_draws d "
        "JOIN projects p ON p.id = d.project_id JOIN allocations a ON a.id = d.allocation_id "
        f"WHERE {scope} AND NOT (p.category = ANY(a.categories)) " + _ON_ALLOCATION
    )


async def _ids(session: AsyncSession, statement: Any, params: Row) -> list[uuid.UUID]:
    return [row[0] for row in await session.execute(statement, params)]


async def raise_for_project(session: AsyncSession, project_id: uuid.UUID) -> list[uuid.UUID]:
    params = {"project_id": project_id, "kind": FindingKind.OUTSIDE_CATEGORY.value, "raised_by": "write"}
    return await _ids(session, _outside_category_sql(_ONE_PROJECT), params)


async def void_for_project(session: AsyncSession, project_id: uuid.UUID, values: Row) -> list[uuid.UUID]:
    """Void the project's open outside-category findings (`values`: status, note, resolved_by)."""
    query = (
        update(findings)
        .where(
            findings.c.project_id == project_id,
            findings.c.kind == FindingKind.OUTSIDE_CATEGORY.value,
            findings.c.status == FindingStatus.OPEN.value,
        )
        .values(version=findings.c.version + 1, resolved_at=func.now(), **values)
        .returning(findings.c.id)
    )
    return [row[0] for row in await session.execute(query)]


async def raise_on_allocations(session: AsyncSession, lo: str, hi: str, today: dt.date) -> list[uuid.UUID]:
    """Idle funds and spending outside the approved category within [lo, hi], as a scan finds them."""
    common = {"lo": lo, "hi": hi, "raised_by": "scan"}
    idle = {
        **common,
        "kind": FindingKind.IDLE_FUNDS.value,
        "today": today,
        "countyless": sorted(divisions.COUNTYLESS_CITIES),
    }
    outside = {**common, "kind": FindingKind.OUTSIDE_CATEGORY.value}
    return await _ids(session, _IDLE_SQL, idle) + await _ids(
        session, _outside_category_sql(_PROJECTS_IN_SUBTREE), outside
    )


_INSPECTION_ISSUE_SQL = text(
    "INSERT INTO findings (id, project_id, inspection_id, inspection_point, issue_note, division, kind, "
    "raised_by) VALUES (gen_random_uuid(), :project_id, :inspection_id, :point, :note, :division, :kind, "
    "'write') ON CONFLICT (project_id, inspection_point) WHERE kind = 'inspection-issue' DO NOTHING "
    "RETURNING id"
)


async def raise_for_inspection(session: AsyncSession, failed: list[Row]) -> list[uuid.UUID]:
    """One inspection-issue finding per project and failed point (`failed`: project_id, inspection_id,
    point, note, division); a point found failed before, by this inspection or another, raises none."""
    raised: list[uuid.UUID] = []
    for point in failed:
        params = {**point, "kind": FindingKind.INSPECTION_ISSUE.value}
        raised += await _ids(session, _INSPECTION_ISSUE_SQL, params)
    return raised


async def raise_for_payment(session: AsyncSession, payment_id: uuid.UUID) -> list[uuid.UUID]:
    return await _raise(session, _ONE_PAYMENT, {"payment_id": payment_id}, "write")


async def raise_in_subtree(session: AsyncSession, lo: str, hi: str) -> list[uuid.UUID]:
    return await _raise(session, _SUBTREE, {"lo": lo, "hi": hi}, "scan")


async def count_payments(session: AsyncSession, lo: str, hi: str) -> int:
    query = select(func.count()).select_from(payments).where(payments.c.division.between(lo, hi))
    return int((await session.execute(query)).scalar_one())


def _detailed() -> Any:
    """A finding with its payment's facts and the household's head, or its allocation's deadline and the
    category of the project drawing on it."""
    return select(
        *(column for column in findings.c if column.name != "project_id"),
        func.coalesce(payments.c.project_id, findings.c.project_id).label("project_id"),
        payments.c.household_id,
        payments.c.member_id,
        payments.c.benefit,
        payments.c.period,
        payments.c.amount,
        payments.c.standard,
        payments.c.paid_on,
        func.coalesce(rm_households.c.head_name, "").label("head_name"),
        allocations.c.deadline,
        projects.c.category,
    ).select_from(
        findings.outerjoin(payments, payments.c.id == findings.c.payment_id)
        .outerjoin(rm_households, rm_households.c.household_id == payments.c.household_id)
        .outerjoin(allocations, allocations.c.id == findings.c.allocation_id)
        .outerjoin(projects, projects.c.id == findings.c.project_id)
    )


async def detailed(session: AsyncSession, finding_ids: list[uuid.UUID]) -> list[Row]:
    if not finding_ids:
        return []
    query = _detailed().where(findings.c.id.in_(finding_ids)).order_by(findings.c.division, findings.c.id)
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def get(
    session: AsyncSession, finding_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    query = _detailed().where(findings.c.id == finding_id, findings.c.division.between(lo, hi))
    if lock:
        query = query.with_for_update(of=findings)
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def resolve(session: AsyncSession, finding_id: uuid.UUID, values: Row) -> None:
    await session.execute(
        update(findings)
        .where(findings.c.id == finding_id)
        .values(version=findings.c.version + 1, resolved_at=func.now(), **values)
    )


async def page(
    session: AsyncSession, lo: str, hi: str, filters: Row, after: Position | None, limit: int
) -> list[Row]:
    """`limit + 1` findings within [lo, hi] after `after`, in (division, id) order; `filters`: kind, status."""
    query = _detailed().where(findings.c.division.between(lo, hi))
    for column, value in filters.items():
        query = query.where(findings.c[column] == value)
    if after is not None:
        query = query.where(tuple_(findings.c.division, findings.c.id) > after)
    query = query.order_by(findings.c.division, findings.c.id).limit(limit + 1)
    return [dict(row) for row in (await session.execute(query)).mappings()]
