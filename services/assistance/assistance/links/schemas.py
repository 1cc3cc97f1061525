from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from assistance.codes import LinkMechanism
from assistance.text import EARLIEST, LinkNote, Reason

YuanOrZero = Annotated[
    Decimal, Field(ge=0, max_digits=14, decimal_places=2, description="Yuan, ≥ 0, 2 decimals.")
]


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mechanism: LinkMechanism = Field(description="A code of `link_mechanism` (GET /code-lists).")
    expected_yearly: YuanOrZero = Field(
        description="What the household is expected to receive a year, ≤ 1,000,000 (422 benefit-above-limit)."
    )
    started_on: dt.date = Field(ge=EARLIEST, description="Not in the future.")
    note: LinkNote | None = None
    reason: Reason | None = Field(default=None, description="Required to change a current link.")


class LinkEndIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ended_on: dt.date = Field(ge=EARLIEST, description="Not in the future, nor before the link started.")
    reason: Reason


class BenefitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: YuanOrZero = Field(
        description="What the household actually received that year, ≤ 1,000,000 (422 benefit-above-limit)."
    )
    reason: Reason | None = Field(default=None, description="Required to correct a recorded amount.")


class LinkVersionOut(BaseModel):
    version: int
    mechanism: str
    expected_yearly: Decimal
    started_on: dt.date
    note: str | None
    reason: str | None
    set_by: str
    set_at: dt.datetime


class LinkOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    project_name: str | None = Field(description="As the project's proposal named it (None until known).")
    household_id: uuid.UUID
    division: str
    head_name: str = Field(description="Masked above the county (张**).")
    version: int
    mechanism: str
    expected_yearly: Decimal
    started_on: dt.date
    note: str | None
    ended_on: dt.date | None
    end_reason: str | None
    made_by: str
    made_at: dt.datetime


class YearReceived(BaseModel):
    year: int
    amount: Decimal


class HouseholdLinkOut(LinkOut):
    received: list[YearReceived] = Field(description="The current amount per year, oldest year first.")


class LinkDetailOut(LinkOut):
    versions: list[LinkVersionOut] = Field(description="Newest first.")


class BenefitOut(BaseModel):
    id: uuid.UUID
    link_id: uuid.UUID
    year: int
    version: int
    amount: Decimal
    reason: str | None
    recorded_by: str
    recorded_at: dt.datetime


class BenefitHistoryOut(BaseModel):
    current: BenefitOut
    replaced: list[BenefitOut] = Field(description="Earlier versions, newest first.")


class MechanismCount(BaseModel):
    mechanism: str
    households: int
    expected_yearly: Decimal


class LinkSummaryOut(BaseModel):
    project_id: uuid.UUID
    households: int = Field(description="Households currently linked (within the caller's jurisdiction).")
    by_mechanism: list[MechanismCount]
    expected_yearly_total: Decimal
    received_by_year: list[YearReceived] = Field(description="Over every link, ended ones included.")
    still_poor: int = Field(description="Households currently linked that are registered or returned.")
