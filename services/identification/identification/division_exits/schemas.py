from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from fupin_kit import text_rules
from identification.code_enum import CodeEnum
from identification.text import LongReason

Division = Field(pattern=r"^[0-9]{12}$")
Year = Field(ge=2013, le=2100)
Basis = text_rules.text(0, 1000, multi_line=True)
Summary = text_rules.text(2, 2000, multi_line=True)


class LevelFilter(CodeEnum):
    VILLAGE = "village", "贫困村"
    COUNTY = "county", "贫困县"


class StatusFilter(CodeEnum):
    DESIGNATED = "designated", "贫困村/县（在册）"
    EXITING = "exiting", "退出程序中"
    EXITED = "exited", "已退出"


class StateFilter(CodeEnum):
    PROPOSED = "proposed", "已提出"
    COUNTY_REVIEWED = "county_reviewed", "县级审核"
    CITY_CHECKED = "city_checked", "市级初审"
    PROVINCE_VERIFIED = "province_verified", "省级核查"
    NOTICED = "noticed", "公示中"
    EXITED = "exited", "已退出"
    REJECTED = "rejected", "不予退出"
    WITHDRAWN = "withdrawn", "已撤回"


class ActionName(CodeEnum):
    """The steps taken through POST /division-exits/{id}/actions/{action}."""

    REVIEW = "review", "县级审核"
    CHECK = "check", "市级初审"
    VERIFY = "verify", "省级核查（第三方评估）"
    OPEN_NOTICE = "open_notice", "公示"
    APPROVE = "approve", "批准退出"
    REJECT = "reject", "不予退出"
    WITHDRAW = "withdraw", "撤回"


class DesignationIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"division": "520102016001", "designated_year": 2014, "basis": "建档立卡"}]
        },
    )
    division: str = Division
    designated_year: int = Year
    basis: Basis = ""  # type: ignore[valid-type]


class PoorDivisionOut(BaseModel):
    id: uuid.UUID
    division: str
    division_name: str | None = Field(description="The name the registry's events gave the division, if any.")
    level: str
    designated_year: int
    basis: str
    status: str = Field(description="designated | exiting (a procedure is open) | exited")
    exit_year: int | None
    exit_id: uuid.UUID | None
    designated_by: str
    designated_at: dt.datetime
    updated_at: dt.datetime


class ProposalIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"division": "520102016001", "year": 2024, "summary": "贫困发生率降至2%以下"}]
        },
    )
    division: str = Division
    year: int = Year
    summary: Summary  # type: ignore[valid-type]


# The notice's length as the document states it: a number, or a decimal string (the console sends the
# field's text). Its floor depends on the deployment (7 days, or 1 second where short notices are allowed),
# so the service checks the bounds and answers 422 `notice-days` naming those in force; the schema states
# the bounds that hold everywhere.
NoticeDays = Annotated[
    Decimal,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": 60},
                {"type": "string", "pattern": r"^[0-9]{1,2}(\.[0-9]{1,20})?$", "maxLength": 23},
            ]
        }
    ),
]


class StepIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "材料齐全，同意"}]},
    )
    reason: LongReason | None = Field(
        default=None,
        description="Required for reject and withdraw (422 `reason-required` without it); recorded with "
        "every other step when given.",
    )
    notice_days: NoticeDays | None = Field(
        default=None,
        description="open_notice only (422 `notice-days` with any other step): the notice's length in days, "
        "7 when absent; at least 7 and at most 60, or, where the deployment allows short notices (the test "
        "clock, `fupin up`), down to 1 second (1/86400 day). Out of range: 422 `notice-days` naming the "
        "bounds in force (`minimum_days`, `maximum_days`).",
    )


class HistoryOut(BaseModel):
    action: str
    from_state: str | None
    to_state: str
    actor: str
    actor_tier: str
    reason: str | None
    detail: dict[str, Any]
    at: dt.datetime


class DivisionExitOut(BaseModel):
    id: uuid.UUID
    division: str
    division_name: str | None
    level: str
    year: int
    state: str
    summary: str
    proposed_by: str
    proposer_tier: str
    indicators: dict[str, Any] = Field(
        description="The exit indicators (GET /exits/indicators) at the proposal."
    )
    notice_days: Decimal | None
    notice_starts_at: dt.datetime | None
    notice_ends_at: dt.datetime | None
    evaluation_id: uuid.UUID | None = Field(
        description="A county's: the third-party evaluation it was verified against."
    )
    evaluation: dict[str, Any] | None = Field(
        description="That evaluation's verdict, rates, closing time, unsurveyed_households (sampled "
        "households never surveyed: 0 for the evaluation a county is verified against; null when its event "
        "did not report the figure) and partial_reason."
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    allowed_actions: list[str] = Field(
        description="the steps the procedure allows from this state (the transition table, whoever asks)"
    )
    permitted_actions: list[str] = Field(
        description="those of allowed_actions the caller may take now: its tier and roles allow them, and "
        "approve only once the notice has ended"
    )
    history: list[HistoryOut] = Field(
        default_factory=list, description="every step, oldest first (on GET /division-exits/{id})"
    )


class PublicDivisionExit(BaseModel):
    """A procedure on the public board: a division, never a person."""

    id: uuid.UUID
    division: str
    division_name: str | None
    level: str
    year: int
    state: str
    incidence_pct: float | None
    threshold_pct: float | None
    notice_starts_at: dt.datetime
    notice_ends_at: dt.datetime
