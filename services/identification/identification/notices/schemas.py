from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from identification.notices.line_status import LineStatus


class NoticeKind(StrEnum):
    FIRST = "first"
    SECOND = "second"
    EXIT = "exit"
    MONITORING = "monitoring"


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    division: str = Field(pattern=r"^[0-9]{12}$", description="the village whose list is noticed")
    kind: NoticeKind


class NoticeLine(BaseModel):
    case_id: uuid.UUID
    status: LineStatus


class NoticeOut(BaseModel):
    id: uuid.UUID
    division: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    closed_at: dt.datetime | None
    case_ids: list[uuid.UUID] = Field(
        default_factory=list, description="the cases the notice posted, whatever became of them since"
    )
    lines: list[NoticeLine] = Field(
        default_factory=list, description="each posted case with its line's status (listed or withdrawn, why)"
    )


class TickOut(BaseModel):
    closed: list[uuid.UUID]
    cases: int


class PublicEntry(BaseModel):
    case_id: uuid.UUID
    village: str
    # The name of `village` (a code), when a registry household event has named it.
    village_name: str | None = None
    kind: str
    head_name: str
    head_id: str = ""  # masked: region code and last four digits only
    member_count: int
    # The line as posted stays on the notice; a household taken off it shows why (no personal data).
    status: LineStatus = LineStatus.LISTED


class PublicNotice(BaseModel):
    id: uuid.UUID
    division: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    # The village's name and its path from the county (南明区新华路街道纪念塔社区), as the registry's household
    # events named them; null when no event has (households created before events carried names): the
    # documents then show the code.
    village_name: str | None = None
    place: str | None = None
    entries: list[PublicEntry]
