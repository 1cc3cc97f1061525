from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from assistance.text import PersonName, Phone, Reason, StartDate, Unit, UnitTier

PHONE_SHOWN = "In full at the county tier and below, masked above it (138****0000)."


class HelperIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: PersonName
    unit: Unit
    unit_tier: UnitTier
    phone: Phone
    started_on: StartDate = Field(description="Not in the future; not before the current helper's start.")
    reason: Reason | None = Field(
        default=None, description="Why the helper changes: required when it replaces a current helper."
    )


class HelperEndIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason
    ended_on: StartDate | None = Field(
        default=None, description="Today (China time) unless given; not in the future, not before the start."
    )


class HelperOut(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    division: str
    name: str
    unit: str
    unit_tier: str
    phone: str = Field(description=PHONE_SHOWN)
    started_on: dt.date
    reason: str | None
    assigned_by: str
    assigned_at: dt.datetime
    ended_on: dt.date | None
    end_reason: str | None
    ended_by: str | None
    ended_at: dt.datetime | None


class HelpersOut(BaseModel):
    """A household's current helper (none before the first or after an ending) and its earlier ones."""

    household_id: uuid.UUID
    current: HelperOut | None
    history: list[HelperOut] = Field(description="The ended assignments, newest first.")


class HouseholdOut(BaseModel):
    """A household as the registry's events describe it, with its current helper (if any)."""

    id: uuid.UUID
    division: str
    status: str
    head_name: str = Field(description="In full at the county and below, masked above it (张**).")
    member_count: int
    version: int
    helper: HelperOut | None = None
    last_visited_on: dt.date | None = Field(default=None, description="The day of its latest visit, if any.")
