"""Text and date rules shared by the request schemas and use cases: a recorded justification or signer
says something visible and holds no control or bidirectional characters (fupin_kit.text_rules), a signer's
name holds no digit, and a recorded date is not after the day it is recorded (in China), nor before what it follows."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field

from fupin_kit import text_rules
from fupin_kit.problems import unprocessable
from identification import clock


def text(minimum: int, maximum: int, *, multi_line: bool = True) -> Any:
    """A required text: at most `maximum` characters, at least `minimum` of them visible once whitespace and
    invisible (format) characters are left out, and no control (but line feed and tab in a multi-line
    text), bidirectional or noncharacter code points (fupin_kit.text_rules). Returned stripped."""
    return text_rules.text(minimum, maximum, multi_line=multi_line)


# The name of the household member who signed: a person's name, so it holds no digit either (an ID or a
# mobile typed into it would be shown unmasked at every tier, as the registry's names would).
Signer = Annotated[
    str, Field(min_length=1, max_length=60), text_rules.text_rule(1), text_rules.person_name_rule()
]
Reason = text(2, 500)
LongReason = text(2, 1000)
ObjectionReason = text(2, 2000)


def today(now: dt.datetime) -> dt.date:
    """The calendar day in China of the service clock's instant."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return now.astimezone(clock.CHINA).date()


def not_future(value: dt.date, now: dt.datetime, loc: list[str], what: str) -> None:
    """422 for a date after today in China (today itself is fine)."""
    if value > today(now):
        raise unprocessable(
            f"{what} cannot be after today ({today(now).isoformat()}, China time)",
            code="future-date",
            errors=[{"loc": loc, "msg": f"{what} is in the future", "type": "future_date"}],
        )


def not_before(value: dt.date, floor: dt.date, loc: list[str], what: str, since: str) -> None:
    """422 for a date before `floor`: a step of the procedure dated before what it follows (`since` names
    it, e.g. "the case was opened")."""
    if value < floor:
        raise unprocessable(
            f"{what} ({value.isoformat()}) cannot be before {floor.isoformat()}: {since}",
            code="date-too-early",
            errors=[
                {
                    "loc": loc,
                    "msg": f"{what} is before {floor.isoformat()} ({since})",
                    "type": "date_too_early",
                }
            ],
        )
