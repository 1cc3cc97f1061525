"""Evaluation's code lists: each enumeration its API takes in a body, every code with its Chinese label,
as the registry and identification publish theirs."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from evaluation.codes import (
    AssesseeLevel,
    AssessmentConsequence,
    AssessmentGrade,
    AssessmentPart,
    AssessmentSource,
    AssessmentStatus,
    EvaluationStatus,
    RateCode,
    RectificationAction,
    RectificationKind,
    RectificationStatus,
    SampleAllocation,
    SampleStratum,
)
from fupin_kit import openapi_scope as scope
from fupin_kit.code_enum import LabelledEnum

CODE_LISTS: dict[str, type[LabelledEnum]] = {
    "evaluation_status": EvaluationStatus,
    "sample_allocation": SampleAllocation,
    "sample_stratum": SampleStratum,
    "rate": RateCode,
    "rectification_kind": RectificationKind,
    "rectification_status": RectificationStatus,
    "rectification_action": RectificationAction,
    "assessment_status": AssessmentStatus,
    "assessee_level": AssesseeLevel,
    "assessment_source": AssessmentSource,
    "assessment_part": AssessmentPart,
    "assessment_grade": AssessmentGrade,
    "assessment_consequence": AssessmentConsequence,
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
    """Every code list of evaluation (evaluation statuses, sample allocations and strata, rates, rectification kinds, statuses and actions, the assessments' statuses, levels, sources, parts, grades and consequences) with its Chinese labels.
    Public, like the registry's and identification's."""
    return _ANSWER
