"""All SQL of the special fund evaluation (专项资金绩效评价): a county's figures of a year, computed from
allocations, projects, their draws and evaluations, payments and findings, and the frozen records.

A county is a county-level division (a city without counties stands for its county): a project's,
payment's or finding's county is the one above its village or township, an allocation's is its receiver
(allocations above the county are not a county's)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from funds import workflow
from funds.allocations.repository import COMMITTED, IN_USE, in_list
from funds.codes import FindingStatus
from funds.models import fund_evaluations
from fupin_kit import divisions

Row = dict[str, Any]

DONE = in_list(workflow.IN_USE - {workflow.Status.IMPLEMENTING})
_COUNTYLESS = "CAST(:countyless AS varchar[])"


def _county_of(column: str) -> str:
    """The county-level code above `column` (itself for a county-level code)."""
    city = f"left({column}, 4) || '00000000'"
    return f"(CASE WHEN {city} = ANY({_COUNTYLESS}) THEN {city} ELSE left({column}, 6) || '000000' END)"


_COUNTY_LEVEL = f"(division NOT LIKE '____00000000' OR division = ANY({_COUNTYLESS}))"
# Per finding, the money at issue: a payment's amount, what was idle, what a project drew outside its
# category; an inspection's failed point names no sum.
_AT_ISSUE = (
    "CASE WHEN f.payment_id IS NOT NULL THEN pay.amount WHEN f.kind = 'idle-funds' THEN f.idle_amount "
    "WHEN f.kind = 'outside-category' THEN d.amount ELSE 0 END"
)
_FIGURES = text(
    "WITH alloc AS (SELECT division AS county, sum(amount) AS received FROM allocations "
    f"WHERE year = :year AND division BETWEEN :lo AND :hi AND {_COUNTY_LEVEL} GROUP BY division), "
    f"proj AS (SELECT {_county_of('p.division')} AS county, "
    f"count(*) FILTER (WHERE p.status IN {COMMITTED}) AS approved, "
    f"count(*) FILTER (WHERE p.status IN {DONE}) AS accepted, "
    "count(e.score) AS evaluated, avg(e.score) AS achievement FROM projects p "
    "LEFT JOIN LATERAL (SELECT score FROM project_evaluations WHERE project_id = p.id "
    "ORDER BY version DESC LIMIT 1) e ON true "
    "WHERE p.year = :year AND p.division BETWEEN :lo AND :hi GROUP BY 1), "
    f"drawn AS (SELECT {_county_of('p.division')} AS county, sum(d.amount) AS amount FROM project_draws d "
    "JOIN projects p ON p.id = d.project_id "
    f"WHERE p.year = :year AND p.division BETWEEN :lo AND :hi AND p.status IN {IN_USE} GROUP BY 1), "
    # A payment for a project is that project's money, counted in its draws already.
    f"paid AS (SELECT {_county_of('division')} AS county, sum(amount) AS amount FROM payments "
    "WHERE division BETWEEN :lo AND :hi AND project_id IS NULL "
    "AND paid_on >= make_date(:year, 1, 1) AND paid_on < make_date(:year + 1, 1, 1) GROUP BY 1), "
    f"open AS (SELECT {_county_of('f.division')} AS county, count(*) AS n, "
    f"COALESCE(sum({_AT_ISSUE}), 0) AS amount FROM findings f "
    "LEFT JOIN payments pay ON pay.id = f.payment_id LEFT JOIN allocations a ON a.id = f.allocation_id "
    "LEFT JOIN projects pr ON pr.id = f.project_id "
    "LEFT JOIN project_draws d ON d.allocation_id = f.allocation_id AND d.project_id = f.project_id "
    "WHERE f.status = :open AND f.division BETWEEN :lo AND :hi "
    "AND COALESCE(CAST(extract(year FROM pay.paid_on) AS integer), a.year, pr.year) = :year GROUP BY 1), "
    "counties AS (SELECT county FROM alloc UNION SELECT county FROM proj UNION SELECT county FROM drawn "
    "UNION SELECT county FROM paid UNION SELECT county FROM open "
    "UNION SELECT CAST(:own AS varchar) WHERE CAST(:own AS varchar) IS NOT NULL) "
    "SELECT c.county AS division, COALESCE(alloc.received, 0) AS received, "
    "COALESCE(drawn.amount, 0) + COALESCE(paid.amount, 0) AS used, "
    "COALESCE(proj.approved, 0) AS projects_approved, COALESCE(proj.accepted, 0) AS projects_accepted, "
    "COALESCE(proj.evaluated, 0) AS projects_evaluated, proj.achievement, "
    "COALESCE(open.n, 0) AS open_findings, COALESCE(open.amount, 0) AS open_findings_amount "
    "FROM counties c LEFT JOIN alloc ON alloc.county = c.county LEFT JOIN proj ON proj.county = c.county "
    "LEFT JOIN drawn ON drawn.county = c.county LEFT JOIN paid ON paid.county = c.county "
    "LEFT JOIN open ON open.county = c.county WHERE c.county BETWEEN :lo AND :hi ORDER BY c.county"
)


async def figures(session: AsyncSession, lo: str, hi: str, year: int, own: str | None) -> list[Row]:
    """The raw figures of every county within [lo, hi] with data in the year (and of `own`, a county asked
    for by name, even without any)."""
    params = {
        "lo": lo,
        "hi": hi,
        "year": year,
        "own": own,
        "open": FindingStatus.OPEN.value,
        "countyless": sorted(divisions.COUNTYLESS_CITIES),
    }
    return [dict(row) for row in (await session.execute(_FIGURES, params)).mappings()]


async def frozen(session: AsyncSession, lo: str, hi: str, year: int) -> list[Row]:
    query = (
        select(fund_evaluations)
        .where(fund_evaluations.c.division.between(lo, hi), fund_evaluations.c.year == year)
        .order_by(fund_evaluations.c.division)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def freeze(session: AsyncSession, values: Row) -> Row | None:
    """The frozen record, or None when the county's year was frozen already (the primary key decides, so
    two concurrent freezes make one)."""
    query = (
        pg_insert(fund_evaluations)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["division", "year"])
        .returning(*fund_evaluations.c)
    )
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)
