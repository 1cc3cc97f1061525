from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from identification.text import Reason


class BatchAction(StrEnum):
    TOWNSHIP_REVIEW = "township_review"
    COUNTY_APPROVE = "county_approve"


class BatchStatus(StrEnum):
    DRAWN = "drawn"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: BatchAction
    division: str = Field(pattern=r"^[0-9]{12}$", description="the village, township or county list")


class SpotCheckFinding(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_id: uuid.UUID
    passed: bool
    note: str = Field(default="", max_length=1000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    findings: list[SpotCheckFinding] = Field(default_factory=list, max_length=100_000)


def _blank_is_none(value: object) -> object:
    # A reason of only whitespace says nothing: refused as a missing one (422 reason-required), as a case's.
    return None if isinstance(value, str) and not value.strip() else value


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[Reason | None, BeforeValidator(_blank_is_none)] = Field(
        default=None, description="why the draw is withdrawn (required: 422 reason-required without it)"
    )


class SkippedOut(BaseModel):
    case_id: uuid.UUID
    reason: str


class FindingOut(BaseModel):
    """A sampled case's spot-check finding, as the deciding officer recorded it."""

    case_id: uuid.UUID
    passed: bool
    note: str = ""
    by: str | None = None


class _BatchFields(BaseModel):
    """What every view of a batch shows: the list it froze, its step, seed and rate, and where it stands."""

    id: uuid.UUID
    action: str
    division: str
    seed: str
    rate: float
    status: str
    case_count: int
    sample_count: int
    created_at: dt.datetime
    # Set when the deciding tier withdrew the draw instead of deciding it.
    withdrawn_by: str | None = None
    withdrawn_at: dt.datetime | None = None
    withdrawal_reason: str | None = None


class BatchSummary(_BatchFields):
    created_by: str
    decided_by: str | None
    decided_at: dt.datetime | None


class BatchOut(_BatchFields):
    sample: list[uuid.UUID]
    decided: int | None = None
    # Frozen cases the decision left where they were, and why (an open blocking comparison hit).
    skipped: list[SkippedOut] = Field(default_factory=list)
    # The spot-check findings recorded at the decision (empty while the batch is only drawn).
    findings: list[FindingOut] = Field(default_factory=list)
    # The frozen list (case ids), on GET only: with `seed` it lets anyone redraw the sample
    # (batches.sampling.draw); a decision's answer leaves it out to stay small on a county-wide list.
    items: list[uuid.UUID] | None = None
