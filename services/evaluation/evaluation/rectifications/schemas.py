from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from evaluation.text import Reason, StepNote

CODE = r"^[0-9]{12}$"


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: StepNote | None = None
    assignee: str | None = Field(
        default=None,
        pattern=CODE,
        description="Only when the county starts a task: a township or village of its county whose officers "
        "then read and submit it (a village's task: the village or its township); 422 not-an-assignee "
        "otherwise. The county still answers for it.",
    )


class DeadlineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deadline: dt.date = Field(
        description="The new deadline: later than the task's, at most 180 days from today (China time); "
        "422 deadline-out-of-range otherwise."
    )
    reason: Reason = Field(description="Why it is extended (kept in the task's deadline history).")


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
    assignee: str | None = Field(
        default=None,
        description="The township or village the county assigned it to: its officers read and submit it.",
    )
    overdue: bool = Field(description="Past its deadline (China time) and not accepted.")
    done: str | None = Field(description="What the county did; personal numbers masked above the county.")
    return_reason: str | None = Field(description="Why the province returned it; masked as `done`.")
    opened_at: dt.datetime
    updated_by: str
    updated_at: dt.datetime


class DeadlineChangeOut(BaseModel):
    previous_deadline: dt.date
    deadline: dt.date
    reason: str = Field(description="Personal numbers masked above the county.")
    extended_by: str
    extended_at: dt.datetime


class RectificationDetailOut(RectificationOut):
    deadline_history: list[DeadlineChangeOut] = Field(
        description="Each extension of the deadline, oldest first (the first one's previous_deadline is the "
        "deadline the task was opened with)."
    )
