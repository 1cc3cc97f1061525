"""Typed-text, phone and date rules shared by the request schemas and use cases.

Names, units and reasons are typed texts (fupin_kit.text_rules: no control, bidirectional or noncharacter
code points, something visible); a person's name holds no digit either (an ID or a mobile typed into it
would be shown unmasked wherever names are shown). A phone is a mainland mobile or a landline with its area
code, ASCII digits only (a full-width number would pass a `\\d` and be stored as nothing anyone can dial)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from fupin_kit import civil_time, text_rules
from fupin_kit.problems import ProblemError, unprocessable

# 13812345678; 0851-86543210, 085186543210, 010-62345678: an area code of 3 or 4 digits starting with 0,
# an optional hyphen, and a local number of 7 or 8 digits that starts with neither 0 nor 1.
PHONE_PATTERN = r"^(1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-?[2-9][0-9]{6,7})$"
Phone = Annotated[
    str,
    Field(
        pattern=PHONE_PATTERN,
        max_length=13,
        description="A mainland mobile (13812345678) or a landline with its area code (0851-86543210).",
        examples=["13812345678"],
    ),
]
PersonName = Annotated[
    str, Field(min_length=1, max_length=60), text_rules.text_rule(1), text_rules.person_name_rule()
]
Unit = text_rules.text(2, 100, description="The work unit (工作单位), e.g. 南明区农业农村局.")
Reason = text_rules.text(2, 500)
Bank = text_rules.text(2, 100, description="The lending bank (branch), e.g. 农村信用社南明支行.")
# The household ledger's typed texts: several lines allowed.
PlanSummary = text_rules.text(1, 2000, multi_line=True, description="What the plan is (≤ 2000 characters).")
MeasureDescription = text_rules.text(2, 2000, multi_line=True, description="What is done for the household.")
MeasureScale = text_rules.text(1, 100, description='How much, in the words of the trade: "2亩", "3头牛".')
MeasureResult = text_rules.text(2, 2000, multi_line=True, description="What came of it.")
VisitNotes = text_rules.text(2, 2000, multi_line=True, description="What was seen and said (≤ 2000).")
LinkNote = text_rules.text(
    1, 2000, multi_line=True, description="What the household does or holds in the project."
)
VisitFindings = text_rules.text(1, 2000, multi_line=True, description="Problems found, to follow up.")
# Precision poverty alleviation (精准扶贫) began in 2013: no helper or team of this platform started before.
EARLIEST = dt.date(2013, 1, 1)
StartDate = Annotated[dt.date, Field(ge=EARLIEST)]
# The plan's exit year: checked against today (China) by `target_year_within_reach`; these bounds only keep
# the OpenAPI document honest about what can ever pass.
TARGET_YEARS_AHEAD = 5
TargetYear = Annotated[int, Field(ge=EARLIEST.year, le=2100)]


class UnitTier(StrEnum):
    """The tier of government a helper's unit belongs to, or that sent a team."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


def not_future(value: dt.date, loc: list[str], what: str) -> None:
    """422 for a date after today in China (today itself is fine)."""
    today = civil_time.china_today()
    if value > today:
        raise unprocessable(
            f"{what} cannot be after today ({today.isoformat()}, China time)",
            code="future-date",
            errors=[{"loc": loc, "msg": f"{what} is in the future", "type": "future_date"}],
        )


def not_before(value: dt.date, floor: dt.date, loc: list[str], what: str, since: str) -> None:
    """422 for a date before `floor` (`since` names what it follows)."""
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


def reason_required(loc: list[str], what: str) -> ProblemError:
    """The 422 of a replacement or ending without a reason."""
    return unprocessable(
        f"a reason is required when {what}",
        code="reason-required",
        errors=[{"loc": loc, "msg": f"a reason is required when {what}", "type": "missing"}],
    )


def target_year_within_reach(year: int, loc: list[str]) -> None:
    """422 target-year for an exit year before this year (China) or more than TARGET_YEARS_AHEAD on."""
    this_year = civil_time.china_today().year
    last = this_year + TARGET_YEARS_AHEAD
    if not this_year <= year <= last:
        raise unprocessable(
            f"the target year must be {this_year} to {last} (this year in China to {TARGET_YEARS_AHEAD} on)",
            code="target-year",
            errors=[{"loc": loc, "msg": f"not within {this_year}–{last}", "type": "target_year"}],
        )
