"""The field survey's date (入户核实: `visited_on` in the finding of verify, exit_verify and visit).

The survey's finding is free-form (what the cadres saw is not known in advance), but a date in it is read by
every tier as the day the household was visited, so it is held to what the other dated steps are held to
(the village review's meeting_on, the consents' signed_on): a real day, not after today, not before the case
was opened (the survey is the step that follows the opening). It stays optional: a finding may carry none."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from fupin_kit.problems import unprocessable
from identification.text import not_before, not_future

VISITED_ON = "visited_on"
LOC = ["body", "finding", VISITED_ON]
WHAT = "the survey's date (visited_on)"
# Written as the API writes every date: four ASCII digits, two, two. date.fromisoformat alone would also take
# 20261127 or 2026-W48-5, which no other date field of the API accepts.
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _as_day(value: Any) -> dt.date:
    """`value` as the day it names, or the 422 saying it names none (a number, 2026-02-30, 10000-01-01)."""
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass  # the shape of a date, but no such day
    raise unprocessable(
        f"{WHAT} must be a day written YYYY-MM-DD",
        code="invalid-date",
        errors=[{"loc": LOC, "msg": "not a day written YYYY-MM-DD", "type": "date_parsing"}],
    )


def check_visit_date(finding: Mapping[str, Any], now: dt.datetime, opened_on: dt.date) -> None:
    """422 when the finding's survey date (if it has one) is no day, after today in China (future-date) or
    before the day the case was opened (date-too-early)."""
    if VISITED_ON not in finding:
        return
    visited_on = _as_day(finding[VISITED_ON])
    not_future(visited_on, now, LOC, WHAT)
    not_before(visited_on, opened_on, LOC, WHAT, "the survey follows the opening of the case")
