from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from funds import workflow
from funds.codes import AcceptanceResult, Category, FundSource, Nature
from funds.text import EARLIEST_YEAR, Day, Indicator, LongText, PersonName, ProjectName, Reason, Unit, Yuan
from fupin_kit import short_notices

DIVISION_PATTERN = r"^[0-9]{12}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FinancingIn(_In):
    source: FundSource
    amount: Yuan
    allocation_id: uuid.UUID | None = Field(
        default=None,
        description="The allocation the line draws on: one the project's county received, of the project's "
        "year and the line's source (422 otherwise); committed at the county's approval, never above what "
        "the county kept of it (409 allocation-exceeded).",
    )


class IndicatorIn(_In):
    """One output or outcome indicator of the performance target (绩效目标) and the value it must reach."""

    indicator: Indicator
    target: Indicator


class BeneficiariesIn(_In):
    households: int = Field(ge=0, le=1_000_000)
    people: int = Field(ge=0, le=10_000_000)
    household_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=10_000,
        description="Optional: the households helped (shown at the county and below only).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.people < self.households:
            raise ValueError("fewer people than households")
        if len(set(self.household_ids)) != len(self.household_ids):
            raise ValueError("a household is named twice")
        if len(self.household_ids) > self.households:
            raise ValueError("more household ids than households")
        return self


class ProjectIn(_In):
    name: ProjectName
    category: Category
    nature: Nature
    division: str = Field(
        pattern=DIVISION_PATTERN,
        description="The village or township where the project is carried out, within the caller's "
        "jurisdiction (a village cadre: its own village).",
    )
    year: int = Field(ge=EARLIEST_YEAR, le=2100)
    starts_on: Day
    ends_on: Day = Field(description="Not before starts_on.")
    responsible_unit: Unit
    tasks: LongText = Field(description="建设任务: what the project builds or does.")
    budget: Yuan
    financing: list[FinancingIn] = Field(
        min_length=1,
        max_length=len(FundSource),
        description="Each source once; the amounts add up to the budget (422 financing-mismatch).",
    )
    beneficiaries: BeneficiariesIn
    performance_target: list[IndicatorIn] = Field(
        min_length=1, max_length=50, description="绩效目标 (required): output and outcome indicators."
    )
    pro_poor_mechanism: LongText = Field(description="带贫机制 (required).")

    @field_validator("financing")
    @classmethod
    def _each_source_once(cls, value: list[FinancingIn]) -> list[FinancingIn]:
        sources = [item.source for item in value]
        if len(set(sources)) != len(sources):
            raise ValueError("each fund source is named once")
        return value

    def draws(self) -> dict[uuid.UUID, FinancingIn]:
        """The financing lines naming an allocation, by allocation (each source, so each line, is once)."""
        return {item.allocation_id: item for item in self.financing if item.allocation_id is not None}

    @model_validator(mode="after")
    def _schedule(self) -> Self:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class ApiAction(StrEnum):
    """The steps taken through POST /projects/{id}/steps/{action}."""

    TOWNSHIP_REVIEW = workflow.Action.TOWNSHIP_REVIEW.value
    COUNTY_APPROVE = workflow.Action.COUNTY_APPROVE.value
    POST_NOTICE = workflow.Action.POST_NOTICE.value
    ENTER_LIBRARY = workflow.Action.ENTER_LIBRARY.value
    START = workflow.Action.START.value
    ACCEPT = workflow.Action.ACCEPT.value
    REIMBURSE = workflow.Action.REIMBURSE.value
    ANNOUNCE = workflow.Action.ANNOUNCE.value
    REJECT = workflow.Action.REJECT.value


class AcceptanceIn(_In):
    """验收: the inspection's day, result and inspectors. A failed one is recorded and the project stays in
    implementation."""

    accepted_on: Day = Field(description="Not in the future.")
    result: AcceptanceResult
    inspectors: list[PersonName] = Field(min_length=1, max_length=20)
    notes: LongText | None = None


class StepIn(_In):
    reason: Reason | None = Field(default=None, description="Why (required to reject).")
    notes: LongText | None = None
    notice_days: int = Field(
        default=workflow.MIN_NOTICE_DAYS,
        ge=0,
        le=workflow.MAX_NOTICE_DAYS,
        description=(
            "post_notice: how many days the public notice stays up, at least 10; fewer (0: it comes down the "
            "day it goes up) only where the deployment allows short notices (FUPIN_SHORT_NOTICES=1, the "
            "embedded platform for development and demonstration)."
        ),
    )
    acceptance: AcceptanceIn | None = Field(default=None, description="accept: required.")
    amount: Yuan | None = Field(default=None, description="reimburse: required; at most the budget.")

    @field_validator("notice_days")
    @classmethod
    def _at_least_the_minimum(cls, days: int) -> int:
        if days < workflow.MIN_NOTICE_DAYS and not short_notices.allowed():
            raise ValueError(f"a project notice stays up at least {workflow.MIN_NOTICE_DAYS} days")
        return days


@dataclass(frozen=True)
class ProjectFilter:
    """What GET /projects narrows the caller's jurisdiction to (None: not narrowed)."""

    status: str | None = None
    year: int | None = None
    category: str | None = None


class PublicFinancingOut(BaseModel):
    source: str
    amount: Decimal


class FinancingOut(PublicFinancingOut):
    allocation_id: uuid.UUID | None = Field(default=None, description="The allocation the line draws on.")


class IndicatorOut(BaseModel):
    indicator: str
    target: str


class BeneficiariesOut(BaseModel):
    households: int
    people: int
    household_ids: list[uuid.UUID] | None = Field(
        description="At the county and below; null above it (who is helped is personal)."
    )


class NoticeOut(BaseModel):
    starts_on: dt.date
    ends_on: dt.date = Field(description="The day the notice comes down; the project may enter the library.")
    running: bool = Field(description="Still up today (China time).")


class HistoryOut(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    actor: str
    actor_tier: str
    at: dt.datetime
    detail: dict[str, Any]


class ProjectOut(BaseModel):
    id: uuid.UUID
    division: str
    name: str
    category: str
    nature: str
    year: int
    starts_on: dt.date
    ends_on: dt.date
    responsible_unit: str
    tasks: str
    budget: Decimal
    financing: list[FinancingOut]
    beneficiaries: BeneficiariesOut
    performance_target: list[IndicatorOut]
    pro_poor_mechanism: str
    status: str
    version: int
    acceptance: dict[str, Any] | None
    reimbursed_amount: Decimal | None
    notice: NoticeOut | None
    allowed_actions: list[str] = Field(description="the steps the lifecycle allows from this status")
    permitted_actions: list[str] = Field(
        description="those of allowed_actions the caller's tier and roles may take (what a form offers)"
    )
    proposed_by: str
    proposed_at: dt.datetime
    updated_at: dt.datetime
    history: list[HistoryOut] | None = Field(
        default=None, description="Every step, oldest first (on GET /projects/{id} and after a step)."
    )
    completion_evaluation: CompletionEvaluationOut | None = Field(
        default=None,
        description="The completion evaluation (竣工绩效评价) of an accepted project, on GET /projects/{id} and "
        "after a step or an evaluation; null before one is recorded.",
    )


class PublicNotice(BaseModel):
    """A project's public notice (公示) as the board shows it, without a login: no personal data."""

    project_id: uuid.UUID
    division: str
    name: str
    category: str
    category_label: str
    nature: str
    year: int
    responsible_unit: str
    budget: Decimal
    financing: list[PublicFinancingOut]
    performance_target: list[IndicatorOut]
    beneficiary_households: int
    beneficiary_people: int
    project_starts_on: dt.date
    project_ends_on: dt.date
    starts_on: dt.date = Field(description="The notice's first day.")
    ends_on: dt.date = Field(description="The day it comes down (at least 10 days after starts_on).")
    running: bool = Field(description="Still up today (China time); an ended notice stays searchable.")
    completion_evaluation: PublicEvaluation | None = Field(
        default=None, description="The completion evaluation, once the project is announced (公告)."
    )


# ---- completion evaluation (项目竣工绩效评价) -------------------------------------------------------------------


class EvaluatedIndicatorIn(_In):
    indicator: Indicator = Field(
        description="The performance target's indicator, as named there (in the target's order)."
    )
    actual: Indicator = Field(
        description="The value achieved: where the target is a number with a direction, the figure alone "
        "with its unit (exactly one number, thousands grouped by a comma or space allowed; 422 "
        "actual-not-a-number otherwise)."
    )
    met: bool = Field(
        description="Whether the target was met; where the target is a number with a direction (≥ 2000元, "
        "不低于95%) funds computes it from `actual` and refuses a contradicting claim (422 "
        "met-contradicts-target)."
    )


class CompletionEvaluationIn(_In):
    indicators: list[EvaluatedIndicatorIn] = Field(
        min_length=1,
        max_length=50,
        description="One per indicator of the performance target, in its order (422 indicators-mismatch).",
    )
    reason: Reason | None = Field(
        default=None, description="Why the evaluation is corrected (required once one is recorded)."
    )


class EvaluatedIndicatorOut(BaseModel):
    indicator: str
    target: str
    actual: str
    met: bool
    computed: bool = Field(description="`met` was computed from a numeric target with a direction.")


class EvaluationVersionOut(BaseModel):
    version: int
    indicators: list[EvaluatedIndicatorOut]
    met: int = Field(description="Indicators met.")
    total: int = Field(description="Indicators of the performance target.")
    score: Decimal = Field(description="met / total × 100, one decimal, rounded half-up.")
    grade: str = Field(description="Code list evaluation_grade: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 below.")
    grade_label: str
    reason: str | None = Field(description="Why it replaced the version before it (null on the first).")
    evaluated_by: str
    evaluated_at: dt.datetime


class CompletionEvaluationOut(EvaluationVersionOut):
    replaced: list[EvaluationVersionOut] = Field(
        description="The versions this one corrected, newest first (on GET /projects/{id})."
    )


class PublicEvaluation(BaseModel):
    """A project's completion evaluation as the public board shows it once the project is announced."""

    indicators: list[EvaluatedIndicatorOut]
    met: int
    total: int
    score: Decimal
    grade: str
    grade_label: str
    evaluated_at: dt.datetime


# Defined after the models they name.
ProjectOut.model_rebuild()
PublicNotice.model_rebuild()
