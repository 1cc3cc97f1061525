"""Request and response shapes of the standards API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from fupin_kit import divisions as codes
from fupin_kit import text_rules
from registry import patterns
from registry.households.schemas import PlainFigure

Kind = Literal["poverty_line", "monitoring_line"]
# The first year each line exists (domain.md §3–4): the 2,300-yuan line of 2010, monitoring from 2020 on.
# A regional line for an earlier year would have no national line to stay above, and nothing to serve.
FIRST_YEAR: dict[str, int] = {"poverty_line": 2010, "monitoring_line": 2020}
# Why the line is set (fupin_kit.text_rules): something visible, no control or bidirectional characters.
Reason = Annotated[str, Field(min_length=4, max_length=2000), text_rules.text_rule(4, multi_line=True)]


class StandardIn(BaseModel):
    # As every other body of the registry: an unknown field is a mistake to report, not to ignore.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Kind
    year: int = Field(ge=2000, le=2100)
    region: str = Field(
        pattern=patterns.DIVISION_CODE,
        description="the nation's (000000000000), a province's, a city's or a county's code",
    )
    amount: Annotated[Decimal, PlainFigure] = Field(
        gt=0, max_digits=12, decimal_places=2, description="yuan per person per year"
    )
    reason: Reason
    valid_from: dt.date | None = Field(
        default=None,
        description="defaults to 1 January of `year`; within `year` or the year before (announced ahead)",
    )

    @model_validator(mode="after")
    def _valid_from_near_its_year(self) -> Self:
        if self.year < FIRST_YEAR[self.kind]:
            raise ValueError(f"the {self.kind} exists from {FIRST_YEAR[self.kind]} on")
        if self.valid_from is not None and not self.year - 1 <= self.valid_from.year <= self.year:
            raise ValueError(
                f"valid_from must fall in {self.year} or {self.year - 1} for a {self.year} standard"
            )
        return self


class StandardOut(BaseModel):
    id: int
    kind: Kind
    year: int
    region: str
    region_level: str
    amount: Decimal
    set_by: str
    reason: str
    valid_from: dt.date
    created_at: dt.datetime

    @field_serializer("amount")
    def _amount(self, value: Decimal) -> float:
        return float(value)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StandardOut:
        return cls(region_level=codes.TIER_NAMES[codes.level(row["region"])], **_fields(row))


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "kind", "year", "region", "amount", "set_by", "reason", "valid_from", "created_at")
    return {key: row[key] for key in keys}


class EffectiveStandard(BaseModel):
    division: str
    kind: Kind
    year: int
    standard_id: int  # cite this row in every computation that used the amount
    amount: Decimal
    carried_forward: bool  # True when no row exists for `year` and an earlier year's row applies
    standard: StandardOut

    @field_serializer("amount")
    def _amount(self, value: Decimal) -> float:
        return float(value)


class StandardHistoryItem(StandardOut):
    superseded_by: int | None
    current: bool

    @classmethod
    def from_history_row(cls, row: dict[str, Any]) -> StandardHistoryItem:
        return cls(
            region_level=codes.TIER_NAMES[codes.level(row["region"])],
            superseded_by=row["superseded_by"],
            current=row["superseded_by"] is None,
            **_fields(row),
        )


class StandardHistory(BaseModel):
    division: str
    items: list[StandardHistoryItem]
