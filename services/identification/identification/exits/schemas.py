from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from identification.cases.schemas import VillageReviewFinding


class Assurances(BaseModel):
    """两不愁三保障 plus safe drinking water, each confirmed by the village committee."""

    # Strict: a confirmation is JSON true (or false), never "Y", "on", "t", "yes", "1" or 1 coerced to one.
    model_config = ConfigDict(extra="forbid", strict=True)
    food: StrictBool
    clothing: StrictBool
    compulsory_education: StrictBool
    basic_medical: StrictBool
    safe_housing: StrictBool
    safe_water: StrictBool


class ExitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    household_id: uuid.UUID
    year: int = Field(ge=2013, le=2100)
    assurances: Assurances
    # The village review (民主评议) the proposal comes from, first step of the exit (domain.md §4: village
    # review → verification → household confirms → notice → announcement): the assembly's attendance and
    # vote, required and checked with the identification's quorum and majority rules.
    finding: VillageReviewFinding


class MonitoredType(StrEnum):
    UNSTABLE_EXITED = "unstable_exited"  # 脱贫不稳定户
    MARGINAL = "marginal"  # 边缘易致贫户
    SUDDEN_HARDSHIP = "sudden_hardship"  # 突发严重困难户


class Discovery(StrEnum):
    SELF_REPORT = "self_report"
    CADRE_VISIT = "cadre_visit"
    DEPARTMENT_PUSH = "department_push"
    PLATFORM_ANALYSIS = "platform_analysis"
    PUBLIC_REPORT = "public_report"


class MonitoringIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    household_id: uuid.UUID
    year: int = Field(ge=2013, le=2100)
    monitored_type: MonitoredType
    discovery: Discovery
    detail: str = Field(default="", max_length=1000)
