"""The periods a visit summary covers: a year (`2026`), a quarter (`2026-Q3`) or a month (`2026-07`), as
calendar days in China, where visits are made and dated (a visit's day is typed as the visitor's date).
A period that has not begun yet (China time) is refused: it can hold nothing but zeros, which would read
as a failure of the township to visit."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from assistance.text import EARLIEST
from fupin_kit.problems import ProblemError, unprocessable

PERIOD_PATTERN = re.compile(r"(?P<year>[0-9]{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?")
PERIOD_FORMS = "a year (2026), a quarter (2026-Q3) or a month (2026-07)"


@dataclass(frozen=True)
class Period:
    label: str
    first: dt.date
    last: dt.date

    def holds(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


def year(value: int) -> Period:
    return Period(str(value), dt.date(value, 1, 1), dt.date(value, 12, 31))


def quarter(value: int, number: int) -> Period:
    first_month = 3 * (number - 1) + 1
    last_month = first_month + 2
    last_day = calendar.monthrange(value, last_month)[1]
    return Period(f"{value}-Q{number}", dt.date(value, first_month, 1), dt.date(value, last_month, last_day))


def month(value: int, number: int) -> Period:
    last_day = calendar.monthrange(value, number)[1]
    return Period(f"{value}-{number:02d}", dt.date(value, number, 1), dt.date(value, number, last_day))


def _refused(detail: str) -> ProblemError:
    return unprocessable(
        detail,
        code="period",
        errors=[{"loc": ["query", "period"], "msg": detail, "type": "period"}],
    )


def parse(text: str, today: dt.date) -> Period:
    """The period `text` names; 422 `period` for any other form, a year before precision poverty
    alleviation began, or a period that begins after `today`."""
    # fullmatch: a `$` would let a trailing newline through.
    found = PERIOD_PATTERN.fullmatch(text)
    if found is None:
        raise _refused(f"the period must be {PERIOD_FORMS}")
    number = int(found["year"])
    # Before building any day: year 0 has none (datetime refuses it), and no year before EARLIEST's can
    # be reached anyway.
    require_not_before_earliest(number)
    if found["quarter"] is not None:
        period = quarter(number, int(found["quarter"]))
    elif found["month"] is not None:
        period = month(number, int(found["month"]))
    else:
        period = year(number)
    require_reachable(period, today)
    return period


def require_not_before_earliest(number: int) -> None:
    if number < EARLIEST.year:
        raise _refused(f"the period must not be before {EARLIEST.year}")


def require_reachable(period: Period, today: dt.date) -> None:
    require_not_before_earliest(period.last.year)
    if period.first > today:
        raise _refused(f"the period {period.label} has not begun (today is {today.isoformat()}, China time)")


def months_of(value: int) -> list[Period]:
    return [month(value, number) for number in range(1, 13)]


def quarters_of(value: int) -> list[Period]:
    return [quarter(value, number) for number in range(1, 5)]
