from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from identification.cases.schemas import VillageReviewFinding
from identification.code_enum import CodeEnum


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


class MonitoredType(CodeEnum):
    """Monitored type (监测对象类型). Codes and labels: GET /code-lists."""

    # Labels verbatim from domain.md §4.
    UNSTABLE_EXITED = "unstable_exited", "脱贫不稳定户"
    MARGINAL = "marginal", "边缘易致贫户"
    SUDDEN_HARDSHIP = "sudden_hardship", "突发严重困难户"


class Discovery(CodeEnum):
    """How the household came to notice (发现方式). Codes and labels: GET /code-lists."""

    # domain.md §4 names the channels in English; the labels are the official wording of the monitoring
    # mechanism (农户自主申报、干部走访排查、部门筛查预警), and 平台分析, 群众反映 for the other two.
    SELF_REPORT = "self_report", "农户自主申报"
    CADRE_VISIT = "cadre_visit", "干部走访排查"
    DEPARTMENT_PUSH = "department_push", "部门筛查预警"
    PLATFORM_ANALYSIS = "platform_analysis", "平台分析"
    PUBLIC_REPORT = "public_report", "群众反映"


class MonitoringIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    household_id: uuid.UUID
    year: int = Field(ge=2013, le=2100)
    monitored_type: MonitoredType
    discovery: Discovery
    detail: str = Field(default="", max_length=1000)
