"""Text and date rules shared by the request schemas and use cases: a recorded justification or signer
says something besides whitespace, and a recorded date is not after the day it is recorded (in China)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from fupin_kit.problems import unprocessable
from identification import clock


def _says_something(minimum: int) -> AfterValidator:
    def check(value: str) -> str:
        # str.strip() also strips the ideographic space (U+3000) and tabs.
        stripped = value.strip()
        if len(stripped) < minimum:
            raise ValueError(f"needs at least {minimum} characters other than whitespace")
        return stripped

    return AfterValidator(check)


def text(minimum: int, maximum: int) -> Any:
    """A required text: at most `maximum` characters, at least `minimum` of them once stripped."""
    return Annotated[str, Field(min_length=minimum, max_length=maximum), _says_something(minimum)]


Signer = text(1, 60)
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
