from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from funds.codes import Benefit
from funds.text import Day, Yuan

# "2026" (a year's benefit) or "2026-03" (a month's), from 2013 on.
PERIOD_PATTERN = r"^20(1[3-9]|[2-9][0-9])(-(0[1-9]|1[0-2]))?$"
Period = Annotated[
    str, Field(pattern=PERIOD_PATTERN, description='The period paid for: "2026" or "2026-03".')
]
PaidAmount = Annotated[Yuan, Field(gt=0, description='Yuan, > 0, at most 2 decimals ("1200.00").')]


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    household_id: uuid.UUID = Field(description="A household of the registry within the caller's county.")
    member_id: uuid.UUID | None = Field(
        default=None, description="The member paid (training and student aid are paid to the person)."
    )
    project_id: uuid.UUID | None = Field(default=None, description="The project of the library it pays for.")
    benefit: Benefit
    period: Period
    amount: PaidAmount
    standard: Yuan = Field(
        description="The benefit's standard amount per household (or person) for the period."
    )
    paid_on: Day = Field(description="The day the money left (not in the future, China time).")


class FindingBrief(BaseModel):
    id: uuid.UUID
    kind: str
    kind_label: str
    status: str


class PaymentOut(BaseModel):
    id: uuid.UUID
    division: str
    household_id: uuid.UUID
    member_id: uuid.UUID | None
    project_id: uuid.UUID | None
    benefit: str
    benefit_label: str
    period: str
    ordinal: int = Field(description="1 for the first payment of this benefit and period; more: a duplicate.")
    amount: Decimal
    standard: Decimal
    paid_on: dt.date
    recorded_by: str
    recorded_at: dt.datetime
    findings: list[FindingBrief] = Field(description="What the checks found when it was recorded.")


class BenefitListItem(BaseModel):
    """One line of a village's per-household benefit list (domain.md §6): no ids, no accounts."""

    division: str
    head_name: str = Field(description="The household head's name, masked (张**).")
    benefit: str
    benefit_label: str
    period: str
    standard: Decimal
    amount: Decimal
