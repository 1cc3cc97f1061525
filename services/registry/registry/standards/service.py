"""Which regions' standards apply to a division, and the rules for setting one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from fupin_contracts.standards import applicable_regions

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
