"""Funds' code lists: each enumeration its API takes or answers, every code with its Chinese label, as the
registry, identification and assistance publish theirs."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from funds.codes import (
    AcceptanceResult,
    AllocationSource,
    Benefit,
    Category,
    EvaluationGrade,
    FindingKind,
    FindingStatus,
    FundSource,
    InspectionDepartment,
    InspectionPoint,
    InspectionStatus,
    Nature,
    ProjectStatus,
    Resolution,
)
from fupin_kit import openapi_scope as scope
from fupin_kit.code_enum import LabelledEnum

CODE_LISTS: dict[str, type[LabelledEnum]] = {
    "category": Category,
    "nature": Nature,
    "fund_source": FundSource,
    "allocation_source": AllocationSource,
    "acceptance_result": AcceptanceResult,
    "project_status": ProjectStatus,
    "benefit": Benefit,
    "finding_kind": FindingKind,
    "finding_status": FindingStatus,
    "resolution": Resolution,
    "inspection_department": InspectionDepartment,
    "inspection_point": InspectionPoint,
    "inspection_status": InspectionStatus,
    "evaluation_grade": EvaluationGrade,
}

router = APIRouter(tags=["code lists"])


class CodeLabel(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    label: str


# Built once: the lists change only with the code.
_ANSWER = {
    name: [CodeLabel(code=member.value, label=member.label) for member in enum]
    for name, enum in CODE_LISTS.items()
}


@router.get("/code-lists", openapi_extra=scope.public())
async def code_lists() -> dict[str, list[CodeLabel]]:
    """Every code list of funds (project categories, natures, fund sources, allocation sources, acceptance results, project
    statuses, benefits of payments, supervision finding kinds, their statuses and resolutions, joint
    inspections' departments, checkpoints and statuses, evaluation grades), with its
    Chinese labels. Public, like the other services'."""
    return _ANSWER
