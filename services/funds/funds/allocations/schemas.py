from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from funds.codes import AllocationSource, Category
from funds.projects.schemas import DIVISION_PATTERN
from funds.text import EARLIEST_YEAR, Day, DocumentNumber

PositiveYuan = Annotated[
    Decimal,
    Field(
        gt=0,
        max_digits=14,
        decimal_places=2,
        description='Yuan, > 0, at most 2 decimals; answered as a string ("5000000.00").',
    ),
]


class AllocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    division: str = Field(
        pattern=DIVISION_PATTERN,
        description="The receiving division: below the caller's and within its jurisdiction, at the county "
        "level at the lowest (a city without counties stands for its county); a county-level caller records "
        "its own funds (county, integrated) to itself.",
    )
    year: int = Field(ge=EARLIEST_YEAR, le=2100)
    source: AllocationSource
    amount: PositiveYuan
    document_number: DocumentNumber
    categories: list[Category] = Field(
        min_length=1, max_length=len(Category), description="The project categories it may be spent on."
    )
    deadline: Day = Field(
        description="The spending deadline: not before today (the allocation's day), at most the end of the "
        "year + 2 (422 allocation-deadline-out-of-range) and, passing an allocation down, not after its "
        "parent's (422 deadline-after-parent)."
    )
    parent_id: uuid.UUID | None = Field(
        default=None,
        description="The allocation the caller's division received that this one passes down: same year "
        "and source, categories within its own, and never more passed down than it holds (409 "
        "allocation-exceeded).",
    )

    @field_validator("categories")
    @classmethod
    def _each_category_once(cls, value: list[Category]) -> list[Category]:
        if len(set(value)) != len(value):
            raise ValueError("each category is named once")
        return value


class ChildOut(BaseModel):
    id: uuid.UUID
    division: str
    amount: Decimal
    allocated_on: dt.date


class DrawOut(BaseModel):
    project_id: uuid.UUID
    division: str
    category: str
    status: str
    amount: Decimal


class AllocationOut(BaseModel):
    id: uuid.UUID
    division: str
    allocator: str
    year: int
    source: str
    source_label: str
    amount: Decimal
    document_number: str
    categories: list[str]
    allocated_on: dt.date
    deadline: dt.date
    parent_id: uuid.UUID | None
    made_by: str
    made_at: dt.datetime
    passed_down: Decimal = Field(description="The sum passed down from it (its children's amounts).")
    children: list[ChildOut] | None = Field(
        default=None, description="What was passed down from it (on GET /allocations/{id})."
    )
    draws: list[DrawOut] | None = Field(
        default=None, description="The projects drawing on it (on GET /allocations/{id})."
    )


class FiguresOut(BaseModel):
    division: str
    received: Decimal = Field(description="Allocated to the division in the year.")
    passed_down: Decimal = Field(description="Of those, passed down to divisions below it.")
    committed: Decimal = Field(description="Drawn on by projects at county_approved or later (not rejected).")
    paid: Decimal = Field(description="Drawn on by projects already reimbursed (报账) or announced.")
    balance: Decimal = Field(description="received − passed_down − committed.")


class SummaryOut(BaseModel):
    division: str
    year: int
    divisions: list[FiguresOut] = Field(
        description="One row per division of the subtree (the given one included) that received an "
        "allocation in the year, in code order."
    )
