"""All SQL of the exit indicators: counts over the registry read model, and the rural population figures
kept as region settings (the statistics bureau's numbers, entered by the county)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Still registered as poor: registered, or returned to poverty after an exit.
POOR = ("registered", "returned")


async def household_counts(session: AsyncSession, lo: str, hi: str) -> dict[str, int]:
    row = (
        (
            await session.execute(
                text(
                    """
                SELECT count(*) FILTER (WHERE status = ANY(CAST(:poor AS text[]))) AS poor_households,
                       coalesce(sum(member_count) FILTER (WHERE status = ANY(CAST(:poor AS text[]))), 0)
                           AS poor_population,
                       count(*) FILTER (WHERE status = 'exited') AS exited_households,
                       coalesce(sum(member_count) FILTER (WHERE status = 'exited'), 0) AS exited_population
                FROM rm_households WHERE division BETWEEN :lo AND :hi
                """
                ),
                {"lo": lo, "hi": hi, "poor": list(POOR)},
            )
        )
        .mappings()
        .one()
    )
    return {key: int(value) for key, value in row.items()}


async def poor_by_division(session: AsyncSession, lo: str, hi: str) -> dict[str, tuple[int, int]]:
    """division → (poor households, poor people), for every division of the range with a poor household."""
    rows = await session.execute(
        text(
            """
            SELECT division, count(*), coalesce(sum(member_count), 0) FROM rm_households
            WHERE division BETWEEN :lo AND :hi AND status = ANY(CAST(:poor AS text[]))
            GROUP BY division
            """
        ),
        {"lo": lo, "hi": hi, "poor": list(POOR)},
    )
    return {str(division): (int(households), int(people)) for division, households, people in rows.tuples()}


async def rural_population(session: AsyncSession, lo: str, hi: str) -> dict[str, int]:
    """division → rural population, for every division of the range that has the figure."""
    rows = await session.execute(
        text(
            "SELECT division, value FROM region_settings "
            "WHERE key = 'rural_population' AND division BETWEEN :lo AND :hi"
        ),
        {"lo": lo, "hi": hi},
    )
    out: dict[str, int] = {}
    for division, value in rows.tuples():
        try:
            out[str(division)] = int(value)
        except ValueError:
            continue  # a malformed figure counts as missing, never as zero
    return out
