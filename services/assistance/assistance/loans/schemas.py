from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistance.codes import LoanPurpose
from assistance.text import EARLIEST, Bank, Reason

Yuan = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2, description="Yuan, > 0, 2 decimals.")]
YuanOrZero = Annotated[
    Decimal, Field(ge=0, max_digits=14, decimal_places=2, description="Yuan, ≥ 0, 2 decimals.")
]


class LoanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    borrower_member_id: uuid.UUID = Field(description="An active member of the household.")
    borrower_birth_date: dt.date = Field(
        ge=dt.date(1900, 1, 1),
        description="As the loan contract gives it (the registry's events carry none): the borrower is aged "
        "18 to 65 on the loan date (422 borrower-age). Shown at the county and below only.",
    )
    bank: Bank
    amount: Yuan = Field(description="Yuan, > 0, at most 50,000 (422 amount-above-limit).")
    term_months: int = Field(ge=1, le=1200, description="1 to 36 (422 term-too-long).")
    rate: Decimal = Field(
        gt=0, le=100, max_digits=6, decimal_places=3, description="Annual %, the benchmark."
    )
    purpose: LoanPurpose = Field(description="A code of `loan_purpose` (GET /code-lists): production only.")
    disbursed_on: dt.date = Field(ge=EARLIEST, description="Not in the future.")
    interest_subsidy: bool = Field(default=True, description="The county subsidises the interest in full.")


class RepaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    paid_on: dt.date = Field(ge=EARLIEST, description="Not in the future, nor before the disbursement.")
    principal: YuanOrZero = Field(description="At most the balance (422 amount-above-balance).")
    interest: YuanOrZero

    @model_validator(mode="after")
    def _pays_something(self) -> RepaymentIn:
        # A repayment of nothing would move a disbursed loan to repaying and publish an event for no money.
        if self.principal == 0 and self.interest == 0:
            raise ValueError("a repayment pays some principal or some interest")
        return self


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Yuan | None = Field(
        default=None, description="compensate: what the fund pays the bank, at most the balance."
    )
    reason: Reason | None = Field(default=None, description="compensate: why (required).")


class RepaymentOut(BaseModel):
    id: uuid.UUID
    paid_on: dt.date
    principal: Decimal
    interest: Decimal
    balance_after: Decimal
    recorded_by: str
    recorded_at: dt.datetime


class QuarterSubsidy(BaseModel):
    quarter: str = Field(description="2026Q3: the quarter the interest was paid in.")
    interest: Decimal


class LoanOut(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    division: str
    borrower_member_id: uuid.UUID
    borrower_name: str = Field(description="Masked above the county (张**).")
    borrower_birth_date: dt.date | None = Field(description="None above the county.")
    bank: str
    amount: Decimal
    term_months: int
    rate: Decimal
    purpose: str
    disbursed_on: dt.date
    due_on: dt.date = Field(description="disbursed_on + term_months.")
    interest_subsidy: bool
    status: str
    balance: Decimal
    compensated_amount: Decimal | None
    compensation_reason: str | None = Field(description="Any personal number in it masked above the county.")
    recorded_by: str
    recorded_at: dt.datetime
    updated_at: dt.datetime


class LoanDetailOut(LoanOut):
    interest_paid: Decimal = Field(description="The interest of every repayment so far.")
    interest_subsidised: Decimal = Field(description="The county's: the interest paid, if interest_subsidy.")
    subsidy_by_quarter: list[QuarterSubsidy]
    repayments: list[RepaymentOut] = Field(description="Oldest first.")
