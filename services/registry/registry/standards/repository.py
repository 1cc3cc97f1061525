"""All SQL over the standards table. Rows are only ever inserted: a newer row for the same
(kind, year, region) supersedes the older one, which stays as history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_COLUMNS = "s.id, s.kind, s.year, s.region, s.amount, s.set_by, s.reason, s.valid_from, s.created_at"
# Among the regions of one division's chain (national ⊃ province ⊃ city ⊃ county), a longer significant
# prefix (the code without its zero padding) is the more specific one: each level's own digits are not all
# zero, so a city's trimmed code (at most 4 digits) is longer than its province's and shorter than a county's.
_SPECIFICITY = "length(rtrim(s.region, '0'))"


async def lock_standards(session: AsyncSession) -> None:
    """Wait for any other transaction setting a standard, until this one ends. A new row is checked against
    rows of the other kind and of other regions (service.check_amount) and then inserted: without one lock
    for every standard, two commands at once (a poverty line raised, a monitoring line lowered) each passed
    against the other's old row and together stored the crossing the check refuses. Standards change rarely,
    so one key for all of them costs nothing; it is released at commit or rollback."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('registry.standards'))"))


async def effective(session: AsyncSession, kind: str, year: int, regions: list[str]) -> dict[str, Any] | None:
    """The standard in force for `year`: for each region of the chain its row of that year (or, when it
    has none, of its latest earlier year), and of those the highest amount; on a tie the most specific
    region, whose row is the one cited. An override may only raise the line above its parent's, so the
    line in force is the highest one that applies: when a province (or city) later raises its line above a
    county override, the county follows it instead of staying below it (ordering by year, then by
    specificity, returned the stale county row)."""
    if not regions:
        return None
    row = (
        await session.execute(
            text(
                f"SELECT {_COLUMNS} FROM ("
                "SELECT DISTINCT ON (s.region) s.* FROM standards s "
                "WHERE s.kind = :kind AND s.year <= :year AND s.region = ANY(:regions) "
                "ORDER BY s.region, s.year DESC, s.id DESC) s "
                f"ORDER BY s.amount DESC, {_SPECIFICITY} DESC, s.id DESC LIMIT 1"
            ),
            {"kind": kind, "year": year, "regions": regions},
        )
    ).first()
    return None if row is None else dict(row._mapping)


async def history(session: AsyncSession, kind: str | None, regions: list[str]) -> list[dict[str, Any]]:
    """Every row for the regions, superseded ones included, each with the id of the row that replaced it."""
    rows = await session.execute(
        text(
            f"SELECT {_COLUMNS}, lead(s.id) OVER (PARTITION BY s.kind, s.year, s.region ORDER BY s.id) "
            "AS superseded_by FROM standards s "
            "WHERE s.region = ANY(:regions) AND (CAST(:kind AS varchar) IS NULL OR s.kind = :kind) "
            f"ORDER BY s.kind, s.year DESC, {_SPECIFICITY} DESC, s.id DESC"
        ),
        {"kind": kind, "regions": regions},
    )
    return [dict(row._mapping) for row in rows]


async def current_id(session: AsyncSession, kind: str, year: int, region: str) -> int | None:
    found = await session.execute(
        text("SELECT max(id) FROM standards WHERE kind = :kind AND year = :year AND region = :region"),
        {"kind": kind, "year": year, "region": region},
    )
    value = found.scalar_one_or_none()
    return None if value is None else int(value)


async def add(
    session: AsyncSession,
    *,
    kind: str,
    year: int,
    region: str,
    amount: Decimal,
    set_by: str,
    reason: str,
    valid_from: dt.date,
) -> dict[str, Any]:
    row = (
        await session.execute(
            text(
                "INSERT INTO standards AS s (kind, year, region, amount, set_by, reason, valid_from) "
                "VALUES (:kind, :year, :region, :amount, :set_by, :reason, :valid_from) "
                f"RETURNING {_COLUMNS}"
            ),
            {
                "kind": kind,
                "year": year,
                "region": region,
                "amount": amount,
                "set_by": set_by,
                "reason": reason,
                "valid_from": valid_from,
            },
        )
    ).one()
    return dict(row._mapping)


async def years_from(
    session: AsyncSession, regions: list[str], year: int, kind: str | None = None
) -> list[int]:
    """The years from `year` on in which any of the regions has a row (of `kind`, or of either kind): the
    only years in which the line in force along a chain of those regions can change."""
    found = await session.execute(
        text(
            "SELECT DISTINCT year FROM standards WHERE region = ANY(:regions) AND year >= :year "
            "AND (CAST(:kind AS varchar) IS NULL OR kind = :kind) ORDER BY year"
        ),
        {"regions": regions, "year": year, "kind": kind},
    )
    return [int(value) for value in found.scalars()]


async def regions_with_rows(session: AsyncSession, prefix: str) -> list[str]:
    """The regions whose code starts with `prefix` that have a row of either kind."""
    found = await session.execute(
        text("SELECT DISTINCT region FROM standards WHERE region LIKE :pattern ORDER BY region"),
        {"pattern": prefix + "%"},
    )
    return [str(value) for value in found.scalars()]
