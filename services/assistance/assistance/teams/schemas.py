from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from assistance.text import PersonName, Phone, Reason, StartDate, Unit, UnitTier

MAX_MEMBERS = 10
PHONE_SHOWN = "In full at the county tier and below, masked above it (138****0000)."


class TeamPersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: PersonName
    unit: Unit
    phone: Phone


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_secretary: TeamPersonIn = Field(description="第一书记")
    members: list[TeamPersonIn] = Field(default_factory=list, max_length=MAX_MEMBERS)
    sent_by: UnitTier = Field(description="The tier of the unit that sent the team.")
    started_on: StartDate = Field(description="Not in the future; not before the current team's start.")
    reason: Reason | None = Field(
        default=None, description="Why the team changes: required when it replaces a current team."
    )


class TeamPersonOut(BaseModel):
    name: str
    unit: str
    phone: str = Field(description=PHONE_SHOWN)


class TeamOut(BaseModel):
    id: uuid.UUID
    division: str
    first_secretary: TeamPersonOut
    members: list[TeamPersonOut]
    sent_by: str
    started_on: dt.date
    reason: str | None
    formed_by: str
    formed_at: dt.datetime
    ended_on: dt.date | None
    end_reason: str | None
    ended_by: str | None
    ended_at: dt.datetime | None


class TeamsOut(BaseModel):
    """A village's current resident team (none before the first) and its earlier ones."""

    division: str
    current: TeamOut | None
    history: list[TeamOut] = Field(description="The ended teams, newest first.")
