from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from identification.text import ObjectionReason

# Characters an objection must say besides whitespace: every ticket blocks its notice until resolved.
MIN_OBJECTION_CHARS = 2


def normalised(text: str) -> str:
    """An objection's words with every run of whitespace as one space: what makes two objections the same."""
    return " ".join(text.split())


class ObjectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_id: uuid.UUID
    text: str = Field(min_length=2, max_length=4000)
    contact: str | None = Field(default=None, max_length=100)

    @field_validator("text")
    @classmethod
    def _says_something(cls, value: str) -> str:
        if sum(not char.isspace() for char in value) < MIN_OBJECTION_CHARS:
            raise ValueError(
                f"an objection needs at least {MIN_OBJECTION_CHARS} characters other than whitespace"
            )
        return value.strip()

    @field_validator("contact")
    @classmethod
    def _contact_or_none(cls, value: str | None) -> str | None:
        return (value or "").strip() or None


class Outcome(StrEnum):
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class ResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Outcome
    reason: ObjectionReason


class ObjectionOut(BaseModel):
    id: uuid.UUID
    notice_id: uuid.UUID
    case_id: uuid.UUID
    division: str
    status: str
    opened_at: dt.datetime
    due_at: dt.datetime
    overdue: bool = False
    resolved_by: str | None
    resolved_at: dt.datetime | None
    resolution: str | None
    # Set when an upheld ticket's case had already left the notice: the case was not moved.
    note: str | None = None


class TicketOut(ObjectionOut):
    """A ticket as the officers who resolve objections see it: the objector's words and contact (masked
    above the county tier). Others in the jurisdiction see the ticket without them (None)."""

    text: str | None = None
    contact: str | None = None
