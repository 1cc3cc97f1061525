"""Reading a 登记表 date cell. Pure Python, no I/O.

The whole cell must be a date: the API (pydantic) refuses `2023-05-0199` or `2023-05-01 垃圾`, so the import
refuses them too instead of reading their first ten characters (which filed `2023-05-011`, probably meant
as the 11th, as the 1st).

Within that, the import takes what the spreadsheets people keep write, which the API's JSON never
carries: a date cell saved as CSV by Chinese Excel is `2023/5/1` (month and day not padded), `2023/5/1 0:00`
for a date-time cell, or `2023年5月1日` in the long date format; `.` separators come from hand-typed cells.
The year always comes first and has four digits: `5/1/23` could be either of two days, so it is refused.
"""

from __future__ import annotations

import datetime as dt
import re

DATE_FORMS = "a date such as 2023-05-01, 2023/5/1, 2023.5.1, 20230501 or 2023年5月1日"
# Excel's date-time cells end in a time of day; a date may carry only midnight (as for the API's dates).
# An XLSX date-time cell reaches the check as `2023-05-01 10:30:00`, with the fraction of a second when
# it has one (parsing._cell): 0:00:00.5 is a time of day too.
_TIME = (
    r"(?:(?: +|T)(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]{1,6}))?)?)?"
)
_FORMS = (
    # One separator throughout (2023-05/01 is a typo, not a form anybody's software writes).
    re.compile(r"(?P<year>[0-9]{4})(?P<sep>[-/.])(?P<month>[0-9]{1,2})(?P=sep)(?P<day>[0-9]{1,2})" + _TIME),
    re.compile(r"(?P<year>[0-9]{4})年(?P<month>[0-9]{1,2})月(?P<day>[0-9]{1,2})日" + _TIME),
    re.compile(r"(?P<year>[0-9]{4})(?P<month>[0-9]{2})(?P<day>[0-9]{2})"),
)


class DateProblem(ValueError):
    pass


def parse_date(raw: str) -> dt.date:
    for form in _FORMS:
        match = form.fullmatch(raw)
        if match is not None:
            break
    else:
        raise DateProblem(DATE_FORMS)
    parts = match.groupdict()
    if any(int(parts.get(unit) or 0) for unit in ("hour", "minute", "second", "fraction")):
        raise DateProblem("a date without a time of day (only 0:00 may follow it)")
    try:
        return dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        raise DateProblem(f"“{raw}” is not a real date") from None
