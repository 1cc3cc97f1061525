from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from assistance.codes import VisitKind
from assistance.text import EARLIEST, PersonName, VisitFindings, VisitNotes


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    visited_on: dt.date = Field(ge=EARLIEST, description="Not in the future (China time).")
    visitor: PersonName
    kind: VisitKind = Field(description="A code of `visit_kind` (GET /code-lists).")
    notes: VisitNotes
    findings: VisitFindings | None = None


class VisitOut(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    division: str
    visited_on: dt.date
    visitor: str
    kind: str
    notes: str = Field(description="Numbers typed into it are masked above the county.")
    findings: str | None
    logged_by: str
    logged_at: dt.datetime
