from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from assistance.text import PlanSummary, Reason, TargetYear


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_year: TargetYear = Field(
        description="The year the household is aimed to exit poverty in: this year (China) to 5 years on."
    )
    summary: PlanSummary
    reason: Reason | None = Field(
        default=None, description="Why the plan changes: required when it replaces the current plan."
    )


class PlanOut(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    division: str
    version: int
    target_year: int
    summary: str = Field(description="Numbers typed into it are masked above the county.")
    reason: str | None
    set_by: str
    set_at: dt.datetime


class PlansOut(BaseModel):
    """A household's plan (one at a time; none before the first) and the versions it replaced."""

    household_id: uuid.UUID
    current: PlanOut | None
    history: list[PlanOut] = Field(description="Earlier versions, newest first.")
