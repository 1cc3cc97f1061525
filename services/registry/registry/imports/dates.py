"""Reading a 登记表 date cell. Pure Python, no I/O.

The whole cell must be a date: the API (pydantic) refuses `2023-05-0199` or `2023-05-01 垃圾`, so the import
refuses them too instead of reading their first ten characters (which filed `2023-05-011`, probably meant
as the 11th, as the 1st).
"""

from __future__ import annotations

import datetime as dt
import re

DATE_FORMS = "YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD"
# One separator throughout (2023-05/01 is a typo, not a form anybody's software writes).
_DATE = re.compile(r"([0-9]{4})([-/]?)([0-9]{2})\2([0-9]{2})")


class DateProblem(ValueError):
    pass


def parse_date(raw: str) -> dt.date:
    match = _DATE.fullmatch(raw)
    if match is None:
        raise DateProblem(f"a date as {DATE_FORMS}")
    year, _, month, day = match.groups()
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise DateProblem(f"“{raw}” is not a real date") from None
