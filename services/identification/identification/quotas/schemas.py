from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from identification.text import Reason

Division = Field(pattern=r"^[0-9]{12}$")


class QuotaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    division: str = Division
    year: int = Field(ge=2013, le=2100)
    amount: int = Field(ge=0, le=100_000_000)
    reason: Reason


class QuotaOut(BaseModel):
    division: str
    year: int
    amount: int
    used: int
    set_by: str
    updated_at: dt.datetime


class AdjustmentOut(BaseModel):
    before: int | None
    after: int
    actor: str
    actor_tier: str
    reason: str
    at: dt.datetime
