from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

BY_KIND = "Visits per code of `visit_kind` (GET /code-lists), every code present."
IN_CHARGE = (
    "Households registered as poor, returned to poverty or monitored, as the registry's events describe them "
    "now (the read model keeps no history of statuses, so a past period counts today's)."
)


class HelperInCharge(BaseModel):
    """A helper whose assignment overlaps the period (帮扶责任人)."""

    name: str
    unit: str = Field(description="Numbers typed into it are masked above the county.")
    unit_tier: str
    started_on: dt.date
    ended_on: dt.date | None


class PeriodVisits(BaseModel):
    period: str = Field(description="2026, 2026-Q3 or 2026-07.")
    first_day: dt.date
    last_day: dt.date
    visits: int
    by_kind: dict[str, int] = Field(description=BY_KIND)
    helpers: list[HelperInCharge] = Field(description="The helpers in charge at any time of the period.")


class HouseholdVisitSummaryOut(BaseModel):
    """A household's visits in a year, per month, per quarter and in all (days in China time)."""

    household_id: uuid.UUID
    year: int
    today: dt.date = Field(description="Today in China, which the days since the last visit count to.")
    last_visited_on: dt.date | None = Field(description="The latest visit up to today, of any year.")
    days_since_last_visit: int | None = Field(description="None when the household was never visited.")
    total: PeriodVisits
    quarters: list[PeriodVisits]
    months: list[PeriodVisits]


class VisitFigures(BaseModel):
    households_in_charge: int = Field(description=IN_CHARGE)
    households_visited: int = Field(description="Households in charge visited at least once in the period.")
    households_not_visited: int = Field(description="Households in charge never visited in the period.")
    visits: int = Field(description="The visits of the households in charge dated within the period.")
    by_kind: dict[str, int] = Field(description=BY_KIND)


class VisitSummaryRow(VisitFigures):
    division: str = Field(description="The child division; for a village's rows, the household's village.")
    household_id: uuid.UUID | None = Field(default=None, description="A village's rows: the household.")
    head_name: str | None = Field(
        default=None, description="A village's rows: the head, in full at the county and below, masked above."
    )


class VisitSummaryOut(BaseModel):
    """The visits of a division's households in charge in a period, per child division (a village: per
    household), with the totals."""

    division: str
    child_level: str = Field(description="township, village, … or household for a village's rows.")
    period: str
    first_day: dt.date
    last_day: dt.date
    rows: list[VisitSummaryRow]
    total: VisitFigures


class CoverageFigures(BaseModel):
    households_in_charge: int = Field(description=IN_CHARGE)
    with_helper: int = Field(description="With a current named helper.")
    with_plan: int = Field(description="With a plan.")
    with_measure: int = Field(description="With at least one measure that was not cancelled.")
    with_overdue_measure: int = Field(description="With a measure planned or in progress past its deadline.")
    visited_recently: int = Field(description="Visited in the last 90 days up to today (China time).")
    villages: int | None = Field(
        default=None,
        description="Villages known here: holding a household of the read model (any status) or a team "
        "(none on a household's row).",
    )
    villages_with_team: int | None = Field(
        default=None, description="Of those, with a current resident team (驻村工作队)."
    )


class CoverageRow(CoverageFigures):
    division: str
    household_id: uuid.UUID | None = Field(default=None, description="A village's rows: the household.")
    head_name: str | None = Field(
        default=None, description="A village's rows: the head (masked above the county)."
    )
    team_present: bool | None = Field(
        default=None, description="A village's row (a township's children): whether it has a current team."
    )


class CoverageOut(BaseModel):
    """How far assistance reaches the households in charge of a division, per child division (a village:
    per household), with the totals."""

    division: str
    child_level: str
    today: dt.date
    visited_since: dt.date = Field(description="The first day of the 90 days that `visited_recently` counts.")
    rows: list[CoverageRow]
    total: CoverageFigures
