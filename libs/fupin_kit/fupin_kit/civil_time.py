"""China's calendar day: what "today", "this year" and "in the future" mean for dates typed by the people
who keep the files (a birth, a death, a decision, a registration), who live in China.

The process clock is UTC (and may be anything on a developer's machine): between 00:00 and 08:00 in
Beijing its date is still yesterday's, so today's date would be refused as in the future. Read at each
call, never once at import, so a process that runs past midnight moves on with the calendar.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def utc_now() -> dt.datetime:
    """The instant china_today() reads (a test replaces it to stand at a chosen instant)."""
    return dt.datetime.now(dt.UTC)


def china_today() -> dt.date:
    """Today's date in China."""
    return utc_now().astimezone(CHINA).date()
