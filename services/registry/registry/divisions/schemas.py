"""Response shapes of the division API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel

from fupin_kit import divisions as codes
from registry import patterns

# A path parameter that must be a 12-digit code; anything else is a 422 problem.
DivisionCode = Annotated[str, Path(pattern=patterns.DIVISION_CODE, description="12-digit division code")]


class DivisionSummary(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    placeholder: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DivisionSummary:
        return cls(
            code=row["code"],
            name=row["name"],
            level=codes.TIER_NAMES[codes.Level(row["level"])],
            parent_code=row["parent_code"],
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
            placeholder=row["placeholder"],
        )


class DivisionNode(DivisionSummary):
    child_count: int
    quirk: str | None = None

    @classmethod
    def from_node_row(cls, row: dict[str, Any]) -> DivisionNode:
        base = DivisionSummary.from_row(row).model_dump()
        return cls(**base, child_count=int(row["child_count"]), quirk=row["quirk"])


class DivisionPage(BaseModel):
    items: list[DivisionSummary]
    next_after: str | None  # pass as `after=` for the next page; null on the last page


class DivisionList(BaseModel):
    items: list[DivisionSummary]
    # More names match than `limit` shows (the first by level, then code): narrow the query, or raise limit.
    truncated: bool = False


class DivisionName(BaseModel):
    """A division as a reader names it: enough to tell 新州镇 东门村 from another 东门村. A placeholder
    (市辖区, 重庆's 县) groups divisions but is no place a villager would name."""

    code: str
    name: str
    level: str
    placeholder: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DivisionName:
        return cls(
            code=row["code"],
            name=row["name"],
            level=codes.TIER_NAMES[codes.Level(row["level"])],
            placeholder=row["placeholder"],
        )


class PublicDivisionNode(DivisionNode):
    # Root (the first province or city above) → parent: what a shared link needs to draw the whole path.
    ancestors: list[DivisionName]


class DivisionHit(DivisionSummary):
    ancestors: list[DivisionName]  # root → parent


class DivisionHits(BaseModel):
    items: list[DivisionHit]
    # More names match than `limit` shows (the first by level, then code): narrow the query, or raise limit.
    truncated: bool = False
