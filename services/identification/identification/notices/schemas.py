from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from identification.notices.line_status import LineStatus


class OpenedKind(StrEnum):
    """The notices (公示) a township opens on a village's ready list."""

    FIRST = "first"
    SECOND = "second"
    EXIT = "exit"
    MONITORING = "monitoring"


class NoticeKind(StrEnum):
    """Every kind on the board: the notices, and the county's announcements (公告) of its decisions, which
    its announce / exit_announce steps post themselves (notices/announcements.py)."""

    FIRST = "first"
    SECOND = "second"
    EXIT = "exit"
    MONITORING = "monitoring"
    ANNOUNCEMENT = "announcement"  # 贫困户识别结果公告
    EXIT_ANNOUNCEMENT = "exit_announcement"  # 贫困户退出公告


class NoticeStatus(StrEnum):
    OPEN = "open"  # a notice running: objections are taken
    CLOSED = "closed"  # a notice whose time is up
    PUBLISHED = "published"  # an announcement: the result, with no objection period


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    division: str = Field(pattern=r"^[0-9]{12}$", description="the village whose list is noticed")
    kind: OpenedKind


class NoticeLine(BaseModel):
    case_id: uuid.UUID
    status: LineStatus
    # The household as the line posted it, whatever changed in it since (as the board shows it).
    head_name: str = Field(description="the head's masked name when the case was put on the notice")
    head_id: str = Field(description="the head's masked resident ID (region and last four digits) as posted")
    member_count: int = Field(description="the household's size when the case was put on the notice")


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
    # What the documents head it with: 第一次公示（村民主评议结果）, 黄平县新州镇东门村2026年贫困户识别结果公告.
    title: str = ""
    entries: list[PublicEntry]
