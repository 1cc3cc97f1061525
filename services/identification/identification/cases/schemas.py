from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from identification.categories import SupportCategory
from identification.code_enum import AsCode
from identification.json_limits import FreeJson
from identification.text import LongReason, Reason, Signer
from identification.workflow import Action


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Authorisation(_In):
    """承诺授权: the household's signed consent to the checks of its data."""

    signed: Literal[True]
    signed_by: Signer
    signed_on: dt.date
    document_ref: str | None = Field(default=None, max_length=200)


class HouseholdConsent(BaseModel):
    """The household's own agreement at an exit (household_confirm, 户认可) or a monitoring case (authorise,
    the data authorisation): who signed for it and when, recorded in the history like the application's
    authorisation. The signer is required, as the application's is: a household that has not signed has not
    taken the step. The date defaults to today (China) when the cadre records the signature as it is given;
    other fields are kept as sent."""

    model_config = ConfigDict(extra="allow")

    signed: bool = True
    signed_by: Signer
    signed_on: dt.date | None = None
    document_ref: str | None = Field(default=None, max_length=200)


class IndividualCheck(_In):
    """The reviewer's own check of one case decided on its own at the township review or the county approval
    (rather than in a batch's spot-check): the case was checked in full, and the result is on the record.
    Only a check that passed takes the step; a case that fails it is rejected with its reason."""

    passed: StrictBool
    note: LongReason


# The first identification round (建档立卡, 2013 on): the earliest year an application may name.
EARLIEST_ROUND = 2013


class CaseIn(_In):
    household_id: uuid.UUID
    year: int = Field(ge=EARLIEST_ROUND, le=2100)
    authorisation: Authorisation
    proposed_by_cadre: bool = False


class ApiAction(StrEnum):
    """Actions taken through POST /cases/{id}/actions/{action}; notices, objections and the registry
    drive the others."""

    VERIFY = Action.VERIFY.value
    VILLAGE_REVIEW = Action.VILLAGE_REVIEW.value
    TOWNSHIP_REVIEW = Action.TOWNSHIP_REVIEW.value
    COMPLETE_COMPARISON = Action.COMPLETE_COMPARISON.value
    COUNTY_APPROVE = Action.COUNTY_APPROVE.value
    ANNOUNCE = Action.ANNOUNCE.value
    # After the registry refused the announcement (registry_refused, exit_registry_refused): announce again.
    RETRY = Action.RETRY.value
    REJECT = Action.REJECT.value
    WITHDRAW = Action.WITHDRAW.value
    EXIT_VERIFY = Action.EXIT_VERIFY.value
    HOUSEHOLD_CONFIRM = Action.HOUSEHOLD_CONFIRM.value
    EXIT_ANNOUNCE = Action.EXIT_ANNOUNCE.value
    VISIT = Action.VISIT.value
    AUTHORISE = Action.AUTHORISE.value
    COMPARE = Action.COMPARE.value
    COUNTY_DECIDE = Action.COUNTY_DECIDE.value
    CLEAR_RISK = Action.CLEAR_RISK.value


class ActionIn(_In):
    reason: str | None = Field(default=None, max_length=1000)

    @field_validator("reason")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        # An optional reason of only whitespace says nothing: it is not recorded as a justification.
        return (value or "").strip() or None

    # The survey findings, the vote, the spot-check result: recorded verbatim in the history, so bounded in
    # depth and size (json_limits): the history must stay readable by every tier.
    finding: FreeJson = Field(default_factory=dict)


class VillageReviewFinding(_In):
    """民主评议: the representative assembly's attendance and vote."""

    meeting_on: dt.date
    representatives: int = Field(gt=0, le=10_000)
    present: int = Field(ge=0, le=10_000)
    votes_for: int = Field(ge=0)
    votes_against: int = Field(ge=0)
    abstentions: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> VillageReviewFinding:
        if self.present > self.representatives:
            raise ValueError("more present than representatives")
        if self.votes_for + self.votes_against + self.abstentions > self.present:
            raise ValueError("more votes than people present")
        return self


class CategoryIn(_In):
    categories: list[Annotated[str, AsCode(SupportCategory)]] = Field(
        min_length=1, max_length=len(SupportCategory)
    )
    reason: Reason

    @field_validator("categories")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        # Several categories are allowed, but a category named twice is a mistake, not a second support.
        repeated = sorted({category for category in value if value.count(category) > 1})
        if repeated:
            raise ValueError(f"each category is named once; repeated: {', '.join(repeated)}")
        return value


@dataclass(frozen=True)
class CaseFilter:
    """What GET /cases narrows the caller's jurisdiction to (None: not narrowed)."""

    kind: str | None = None
    state: str | None = None
    household_id: uuid.UUID | None = None


class CaseOut(BaseModel):
    id: uuid.UUID
    kind: str
    household_id: uuid.UUID
    division: str
    year: int
    state: str
    active: bool = Field(
        description="the procedure is still running (not registered, rejected, withdrawn, exited or ended): "
        "a household has one active case of a kind at a time"
    )
    version: int
    allowed_actions: list[str] = Field(description="the steps the procedure allows from this state")
    permitted_actions: list[str] = Field(
        default_factory=list,
        description="those of allowed_actions the caller's tier and roles may take (what a form offers)",
    )
    category: dict[str, Any] | None
    opened_by: str
    opened_at: dt.datetime
    updated_at: dt.datetime


class CasePage(BaseModel):
    items: list[CaseOut]
    next_cursor: str | None


class HistoryOut(BaseModel):
    action: str
    from_state: str | None
    to_state: str
    actor: str
    actor_tier: str
    at: dt.datetime
    detail: dict[str, Any]
    batch_id: uuid.UUID | None
