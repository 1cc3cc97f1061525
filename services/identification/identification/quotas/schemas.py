from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from identification.text import Reason

Division = Field(pattern=r"^[0-9]{12}$")
# A quota bounds the poor population (贫困人口规模, domain.md §3): people, not households or cases.
AMOUNT = (
    "The poor population the division may register in the year, in people (人); a child division's "
    "quotas together hold at most their parent's."
)
USED = (
    "People (人) holding places: the current members of the households of the year's identification "
    "cases within the division from the village review on."
)


class QuotaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    division: str = Division
    year: int = Field(ge=2013, le=2100)
    amount: int = Field(ge=0, le=100_000_000, description=AMOUNT)
    reason: Reason


class QuotaOut(BaseModel):
    division: str
    year: int
    amount: int = Field(description=AMOUNT)
    used: int = Field(description=USED)
    set_by: str
    updated_at: dt.datetime


class AdjustmentOut(BaseModel):
    before: int | None = Field(description="The amount in people (人) before, null for the first setting.")
    after: int = Field(description="The amount in people (人) set.")
    actor: str
    actor_tier: str
    reason: str
    at: dt.datetime
