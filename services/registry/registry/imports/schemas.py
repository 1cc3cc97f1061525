"""Responses of the import API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field


class ImportOut(BaseModel):
    id: uuid.UUID
    status: str = Field(
        description="received | validating | applying | accepted | rejected | failed | duplicate-of"
    )
    duplicate_of: uuid.UUID | None = Field(description="the first import of the same file (same sha256)")
    filename: str
    format: str
    size_bytes: int
    sha256: str
    rows_read: int
    households_read: int
    households_accepted: int
    households_rejected: int
    members_accepted: int
    rows_rejected: int
    error: str | None
    error_zh: str | None = Field(
        default=None, description="why the import failed, in Chinese for the clerks who read it (error)"
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    finished_at: dt.datetime | None
    report: str = Field(description="path of the per-row report (JSON; add ?format=csv for CSV)")

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


# A report line's status: its row applied, refused (with its field and reason), or valid in a file that was
# refused as a whole.
LineStatus = Literal["accepted", "rejected", "not-applied"]


class ReportLine(BaseModel):
    row: int = Field(description="row number in the file (the header is row 1)")
    household_key: str
    household_id: uuid.UUID | None = Field(description="the created household, once applied")
    status: str = Field(description="accepted | rejected | not-applied (valid, but the file was rejected)")
    field: str | None
    reason: str | None = Field(
        description="why the row was refused (English; the text departmental systems parse)"
    )
    reason_zh: str | None = Field(
        description="the reason in Chinese, for the clerks who read the report (the English one where no "
        "rendering is known)"
    )


class ReportPage(BaseModel):
    import_id: uuid.UUID
    status: str
    lines: list[ReportLine]
    next_after_row: int | None = Field(description="pass as ?after_row= for the next page")
