"""Identification's code lists: each enumeration its API takes in a body, every code with its Chinese
label, as the registry publishes the household record's (GET /households/code-lists)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from fupin_kit import openapi_scope as scope
from identification.categories import SupportCategory
from identification.code_enum import CodeEnum
from identification.comparisons.schemas import PushKind
from identification.exits.schemas import Discovery, MonitoredType

CODE_LISTS: dict[str, type[CodeEnum]] = {
    "support_category": SupportCategory,
    "monitored_type": MonitoredType,
    "discovery": Discovery,
    "list_kind": PushKind,
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
    """Every code list of identification (support categories, monitored types, discovery channels,
    department list kinds), with its Chinese labels. Public, like the registry's."""
    return _ANSWER
