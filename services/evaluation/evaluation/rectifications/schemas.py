from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from evaluation.text import StepNote


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: StepNote | None = None


class RectificationOut(BaseModel):
    id: uuid.UUID
    evaluation_id: uuid.UUID | None = Field(description="The evaluation round whose close opened it.")
    assessment_id: uuid.UUID | None = Field(description="The assessment whose finalization opened it.")
    division: str = Field(
        description="The county (a failed threshold), the household's village, or the assessee graded 较差."
    )
    county: str | None = Field(description="The evaluated county; none for an assessment's task.")
    kind: str = Field(description="A code of `rectification_kind` (GET /code-lists).")
    household_id: uuid.UUID | None
    summary: str
    status: str = Field(description="A code of `rectification_status` (GET /code-lists).")
    deadline: dt.date
    worker_tier: str = Field(description="The tier whose officers start and submit it.")
    checker_tier: str = Field(description="The tier whose officers accept or return it.")
    overdue: bool = Field(description="Past its deadline (China time) and not accepted.")
    done: str | None = Field(description="What the county did; personal numbers masked above the county.")
    return_reason: str | None = Field(description="Why the province returned it; masked as `done`.")
    opened_at: dt.datetime
    updated_by: str
    updated_at: dt.datetime
