"""The service's notion of "now": the database clock, shifted by a test offset when FUPIN_TEST_CLOCK=1.

Notice timers, objection SLAs and the six-month risk clearance all read time here, never from
`datetime.now()`, so a test can move time forward and watch a timer fire exactly when it passes.
"""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit import civil_time
from identification.models import test_clock

# The procedure's years (the round an application is for, the year a household was registered in or exits
# in) are calendar years in China, not in UTC: an instant on 31 December after 16:00 UTC is already in the
# next year there.
CHINA = civil_time.CHINA


def test_clock_enabled() -> bool:
    return os.environ.get("FUPIN_TEST_CLOCK") == "1"


async def now(session: AsyncSession) -> dt.datetime:
    if not test_clock_enabled():
        return (await session.execute(text("SELECT now()"))).scalar_one()  # type: ignore[no-any-return]
    result = await session.execute(
        text("SELECT now() + make_interval(secs => offset_s) FROM test_clock WHERE id = 1")
    )
    return result.scalar_one()  # type: ignore[no-any-return]


async def offset(session: AsyncSession) -> int:
    return int(
        (await session.execute(select(test_clock.c.offset_s).where(test_clock.c.id == 1))).scalar_one()
    )


async def set_offset(session: AsyncSession, seconds: int) -> None:
    await session.execute(update(test_clock).where(test_clock.c.id == 1).values(offset_s=seconds))


def civil_year(instant: dt.datetime) -> int:
    """The calendar year in China of an instant (a naive one is UTC, as the database hands them out)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(CHINA).year
