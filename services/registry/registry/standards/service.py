"""Which regions' standards apply to a division, and the rules for setting one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_contracts.standards import applicable_regions
from fupin_kit.problems import unprocessable
from registry.standards import repository

# A regional line raises the line above it; it is not another scale. Above this multiple of that line it
# is a typing error (a stray digit or two), and since the highest line along the chain applies and is
# carried forward to later years, one such typo would make a whole county poor for good.
CEILING_FACTOR = Decimal(5)
# Standards are announced ahead for next year at most (valid_from may fall in the year before its year):
# a line for 2060 is a typing error too, and would apply from then on.
YEARS_AHEAD = 1
CHINA = ZoneInfo("Asia/Shanghai")


def regions_above(region: str) -> list[str]:
    return [candidate for candidate in applicable_regions(region) if candidate != region]


def latest_year(now: dt.datetime | None = None) -> int:
    """The last year a standard may be set for today: China's current year, plus the year announced ahead."""
    return (now or dt.datetime.now(CHINA)).astimezone(CHINA).year + YEARS_AHEAD


def ceiling(floor_amount: Decimal) -> Decimal:
    """The highest line a region may set over the line above it."""
    return floor_amount * CEILING_FACTOR


async def check_amount(session: AsyncSession, kind: str, year: int, region: str, amount: Decimal) -> None:
    """Refuse (422) a regional line that is not between the line above it and CEILING_FACTOR× that line, or
    that puts the poverty line above the monitoring line of its region and year.

    The line above is the same kind's line in force for the regions above. A monitoring line may have none:
    monitoring began in 2020 (domain.md §4) but the national monitoring line in 2021 (6,000 yuan, about
    1.5× the poverty line), so a 2020 line had nothing to be checked against, and a typo of 99,999,999.99
    was accepted and carried forward as the county's line for every later year. A monitoring line is a
    multiple of the poverty line, so without a monitoring line above it the poverty line in force above
    stands in: at least that line, at most CEILING_FACTOR× it. A line with no line above it at all is
    refused rather than left unchecked.
    """
    above = regions_above(region)
    floor = await repository.effective(session, kind, year, above)
    floor_kind = kind
    if floor is None and kind == "monitoring_line":
        floor = await repository.effective(session, "poverty_line", year, above)
        floor_kind = "poverty_line"
    if floor is None:
        raise unprocessable(f"there is no {kind} above this region for {year} to set a regional line against")
    if amount < floor["amount"]:
        raise unprocessable(
            "a regional standard may raise the line above it, never lower it"
            + ("" if floor_kind == kind else f" (for {year}, the {floor_kind} above it: {floor['amount']})"),
            floor_standard_id=floor["id"],
            floor_amount=float(floor["amount"]),
        )
    if amount > ceiling(floor["amount"]):
        raise unprocessable(
            f"a regional standard is at most {CEILING_FACTOR}× the line above it "
            + ("" if floor_kind == kind else f"(for {year}, the {floor_kind} above it) ")
            + f"({ceiling(floor['amount'])}); a higher figure is taken for a typing error",
            floor_standard_id=floor["id"],
            floor_amount=float(floor["amount"]),
        )
    await _check_order(session, kind, year, region, amount)


async def _check_order(session: AsyncSession, kind: str, year: int, region: str, amount: Decimal) -> None:
    """The monitoring line is the higher threshold (domain.md §4: about 1.5× the poverty line): a poverty
    line above the monitoring line in force for the region and year, or a monitoring line below the poverty
    line in force, would make households poor yet not monitored (a county's poverty line of 19,000 against
    its monitoring line of 6,000). Both lines are named."""
    other_kind = "monitoring_line" if kind == "poverty_line" else "poverty_line"
    other: dict[str, Any] | None = await repository.effective(
        session, other_kind, year, applicable_regions(region)
    )
    if other is None:
        return  # no monitoring line yet in that year (before 2020)
    poverty, monitoring = (amount, other["amount"]) if kind == "poverty_line" else (other["amount"], amount)
    if poverty > monitoring:
        raise unprocessable(
            f"the poverty line ({poverty}) would be above the monitoring line ({monitoring}) in force for "
            f"{region} in {year}: the monitoring line is the higher threshold",
            poverty_amount=float(poverty),
            monitoring_amount=float(monitoring),
            **{f"{other_kind.removesuffix('_line')}_standard_id": other["id"]},
        )
