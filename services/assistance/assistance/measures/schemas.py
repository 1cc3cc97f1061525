from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from assistance.codes import MeasureStatus, MeasureType
from assistance.text import EARLIEST, MeasureDescription, MeasureResult, MeasureScale, PersonName, Reason

Amount = Annotated[
    Decimal, Field(ge=0, max_digits=14, decimal_places=2, description="Yuan, ≥ 0, 2 decimals.")
]
Deadline = Annotated[dt.date, Field(ge=EARLIEST)]


class MeasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: MeasureType = Field(description="A code of `measure_type` (GET /code-lists).")
    description: MeasureDescription
    scale: MeasureScale | None = None
    amount: Amount | None = None
    deadline: Deadline


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: MeasureStatus = Field(
        description="planned → in_progress → completed; planned or in_progress → cancelled (409 otherwise)."
    )
    result: MeasureResult | None = Field(default=None, description="What came of it: required to complete.")
    reason: Reason | None = Field(default=None, description="Why it is dropped: required to cancel.")


class SignOffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signed_by: PersonName = Field(description="The household member who signed.")
    signed_on: dt.date = Field(description="Not in the future, not before the measure was completed.")


class MeasureOut(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    division: str
    type: str
    description: str
    scale: str | None
    amount: Decimal | None
    deadline: dt.date
    status: str
    overdue: bool = Field(
        description="The deadline has passed (China time) and it is neither completed nor cancelled."
    )
    result: str | None
    cancel_reason: str | None
    completed_on: dt.date | None
    signed_by: str | None = Field(description="Masked above the county (张**).")
    signed_on: dt.date | None
    added_by: str
    added_at: dt.datetime
    updated_at: dt.datetime
