from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field

# The composite's weights (out of 100), as published with every answer.
WEIGHTS: dict[str, int] = {"spending": 30, "completion": 30, "achievement": 30, "findings": 10}


class FundEvaluationOut(BaseModel):
    """A county's special fund evaluation (专项资金绩效评价) of a year. A figure without data is null, its
    reason in `reasons` under the figure's name (never a 0 that would read as a failure)."""

    division: str = Field(description="The county (a city without counties counts as one).")
    year: int
    received: Decimal = Field(description="Allocations the county received in the year.")
    used: Decimal = Field(
        description="Drawn on by the county's projects of the year at implementing or later, plus the "
        "payments to its households in the year not made for a project (a project's payments are its "
        "draws' money)."
    )
    spending_rate: Decimal | None = Field(description="used / received, a fraction (4 decimals).")
    projects_approved: int = Field(
        description="The county's projects of the year approved (county_approved or later)."
    )
    projects_accepted: int = Field(description="Of those, accepted or later.")
    completion_rate: Decimal | None = Field(description="projects_accepted / projects_approved (4 decimals).")
    projects_evaluated: int = Field(
        description="The county's projects of the year with a completion evaluation."
    )
    achievement: Decimal | None = Field(
        description="The mean of their current scores (out of 100, 1 decimal)."
    )
    open_findings: int = Field(
        description="Open findings of every kind on the county's payments, allocations and projects of the year."
    )
    open_findings_amount: Decimal = Field(
        description="The money at issue: a payment's amount, what was idle, what a project drew outside its "
        "category (an inspection's failed point names none)."
    )
    composite: Decimal | None = Field(
        description="spending 30 × min(spending_rate, 1) + completion 30 × completion_rate + achievement 30 × "
        "achievement / 100 + findings (10 with no open finding, 2 less per open finding, not below 0); out "
        "of 100, 1 decimal, half-up. Null while a figure it weighs has no data."
    )
    grade: str | None = Field(description="Code list evaluation_grade: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 below.")
    grade_label: str | None
    reasons: dict[str, str] = Field(description="Why each null figure has no value.")
    weights: dict[str, int] = Field(default=WEIGHTS, description="The composite's weights.")
    frozen: bool = Field(description="Recorded by the city or the province: the figures as they were then.")
    frozen_at: dt.datetime | None
    frozen_by: str | None


class FundEvaluationsOut(BaseModel):
    division: str
    year: int
    counties: list[FundEvaluationOut] = Field(
        description="One per county of the subtree with data in the year (or frozen), in code order."
    )
