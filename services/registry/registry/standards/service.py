"""Which regions' standards apply to a division, and the rules for setting one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_contracts.standards import NATIONAL, applicable_regions
from fupin_kit.civil_time import CHINA
from fupin_kit.problems import unprocessable
from registry.standards import repository

# A regional line raises the line above it; it is not another scale. Above this multiple of that line it
# is a typing error (a stray digit or two), and since the highest line along the chain applies and is
# carried forward to later years, one such typo would make a whole county poor for good.
CEILING_FACTOR = Decimal(5)
# Standards are announced ahead for next year at most (valid_from may fall in the year before its year):
# a line for 2060 is a typing error too, and would apply from then on.
YEARS_AHEAD = 1


def regions_above(region: str) -> list[str]:
    return [candidate for candidate in applicable_regions(region) if candidate != region]


def latest_year(now: dt.datetime | None = None) -> int:
    """The last year a standard may be set for today: China's current year, plus the year announced ahead."""
    return (now or dt.datetime.now(CHINA)).astimezone(CHINA).year + YEARS_AHEAD


def ceiling(floor_amount: Decimal) -> Decimal:
    """The highest line a region may set over the line above it."""
    return floor_amount * CEILING_FACTOR


async def check_amount(session: AsyncSession, kind: str, year: int, region: str, amount: Decimal) -> None:
    """Refuse (422) a line that is not between the line above it and CEILING_FACTOR× that line (for the
    nation, which has no line above: more than CEILING_FACTOR× its own line of the year before), or that puts
    the poverty line above the monitoring line in a year and region the line reaches."""
    if region == NATIONAL:
        await _check_national_step(session, kind, year, amount)
    else:
        await _check_against_line_above(session, kind, year, region, amount)
    await _check_order(session, kind, year, region, amount)


async def _check_against_line_above(
    session: AsyncSession, kind: str, year: int, region: str, amount: Decimal
) -> None:
    """The line above is the same kind's line in force for the regions above (for a county the highest of
    its city's, its province's and the nation's; for a city its province's and the nation's); the nation has
    one of each kind for every year a line may be set in (monitoring from 2020 on: fupin_contracts.standards).
    Before the national 2020 monitoring line existed, a county's 2020 monitoring line had nothing to be
    checked against, and a typo of 99,999,999.99 was accepted and carried forward as its line for every
    later year. A line with no line above it at all is refused rather than left unchecked.
    """
    above = regions_above(region)
    floor = await repository.effective(session, kind, year, above)
    if floor is None:
        raise unprocessable(f"there is no {kind} above this region for {year} to set a regional line against")
    if amount < floor["amount"]:
        raise unprocessable(
            "a regional standard may raise the line above it, never lower it",
            floor_standard_id=floor["id"],
            floor_amount=float(floor["amount"]),
        )
    if amount > ceiling(floor["amount"]):
        raise unprocessable(
            f"a regional standard is at most {CEILING_FACTOR}× the line above it "
            f"({ceiling(floor['amount'])}); a higher figure is taken for a typing error",
            floor_standard_id=floor["id"],
            floor_amount=float(floor["amount"]),
        )


async def _check_national_step(session: AsyncSession, kind: str, year: int, amount: Decimal) -> None:
    """The national line has no line above it, and may come down as well as go up; but it applies to every
    division and is carried forward, so a stray digit would make the whole country poor (or monitored) for
    good. It is held to CEILING_FACTOR× the nation's line of the year before (or, for the first year of a
    kind, the line of its own year it replaces), as a regional line is to the line above it."""
    previous = await repository.effective(session, kind, year - 1, [NATIONAL])
    previous = previous or await repository.effective(session, kind, year, [NATIONAL])
    if previous is not None and amount > ceiling(previous["amount"]):
        raise unprocessable(
            f"a national standard is at most {CEILING_FACTOR}× the nation's line before it "
            f"({ceiling(previous['amount'])}); a higher figure is taken for a typing error",
            previous_standard_id=previous["id"],
            previous_amount=float(previous["amount"]),
        )


async def _check_order(session: AsyncSession, kind: str, year: int, region: str, amount: Decimal) -> None:
    """The monitoring line is the higher threshold (domain.md §4: about 1.5× the poverty line): a poverty
    line above the monitoring line in force, or a monitoring line below the poverty line in force, would
    make households poor yet not monitored (a county's poverty line of 19,000 against its monitoring line of
    6,000). Both lines are named.

    The new row is not only its year's line: it is carried forward until the region's own next row of its
    kind, and a province's or a city's row applies to the regions below it. Checking its year and region
    alone let a 2026 poverty line of 6,900 stand above a 2027 monitoring line of 6,800 set before it. So
    every chain the row reaches (the region's own, and each region below it with rows of its own: a city's
    counties, a province's cities and counties, the nation's every such region) is checked in every year it
    reaches; the line in force along a chain changes only in years one of its regions has a row, so those
    years and the row's own are the ones to check."""
    own_later = await repository.years_from(session, [region], year + 1, kind)
    until = own_later[0] - 1 if own_later else None
    below = [
        other
        for other in await repository.regions_with_rows(session, region.rstrip("0")[:2])
        if other != region and region in applicable_regions(other)
    ]
    for chain in [applicable_regions(region), *(applicable_regions(other) for other in below)]:
        changes = {year, *await repository.years_from(session, chain, year + 1)}
        for checked in sorted(y for y in changes if until is None or y <= until):
            await _check_order_in(session, kind, checked, chain, region, amount)


async def _check_order_in(
    session: AsyncSession, kind: str, year: int, chain: list[str], region: str, amount: Decimal
) -> None:
    """Refuse the new row if, standing in for `region`'s row in `year`, it puts the poverty line in force
    along `chain` above the monitoring line in force. A poverty row is held to the monitoring line as it
    is: the poverty line in force is at least the row. A monitoring row counts with the monitoring lines of
    the chain's other regions, one of which may be higher (a county's own line above a province's)."""
    other_kind = "monitoring_line" if kind == "poverty_line" else "poverty_line"
    other: dict[str, Any] | None = await repository.effective(session, other_kind, year, chain)
    if other is None:
        return  # no monitoring line yet in that year (before 2020)
    if kind == "poverty_line":
        poverty, monitoring = amount, other["amount"]
    else:
        rest = await repository.effective(session, kind, year, [r for r in chain if r != region])
        poverty, monitoring = other["amount"], amount if rest is None else max(amount, rest["amount"])
    if poverty > monitoring:
        raise unprocessable(
            f"the poverty line ({poverty}) would be above the monitoring line ({monitoring}) in force for "
            f"{chain[0]} in {year}: the monitoring line is the higher threshold",
            poverty_amount=float(poverty),
            monitoring_amount=float(monitoring),
            **{f"{other_kind.removesuffix('_line')}_standard_id": other["id"]},
        )
