"""Assistance's code lists: each enumeration its API takes in a body, every code with its Chinese label,
as the registry and identification publish theirs."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from assistance.codes import (
    LinkMechanism,
    LoanPurpose,
    LoanStatus,
    MeasureStatus,
    MeasureType,
    VisitKind,
)
from fupin_kit import openapi_scope as scope
from fupin_kit.code_enum import LabelledEnum

CODE_LISTS: dict[str, type[LabelledEnum]] = {
    "measure_type": MeasureType,
    "measure_status": MeasureStatus,
    "visit_kind": VisitKind,
    "loan_purpose": LoanPurpose,
    "loan_status": LoanStatus,
    "link_mechanism": LinkMechanism,
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
    """Every code list of assistance (measure types and statuses, visit kinds, loan purposes and statuses, project link mechanisms) with its Chinese labels.
    Public, like the registry's and identification's."""
    return _ANSWER
