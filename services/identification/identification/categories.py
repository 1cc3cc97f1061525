"""Support category suggestion (每户一类, several allowed) by explainable rules: each suggestion names the
rule that fired and the facts it saw, so the confirming cadre can check the reasoning. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from identification.code_enum import CodeEnum


class SupportCategory(CodeEnum):
    """Support category (帮扶类别; 每户一类, several allowed). Codes and labels: GET /code-lists."""

    # Labels verbatim from domain.md §3, the seed's six classes (分类识别贫困对象).
    GUARANTEE = "guarantee", "兜底保障"
    INDUSTRY = "industry", "产业扶持"
    REHABILITATION = "rehabilitation", "康复扶持"
    EMPLOYMENT = "employment", "就业培训"
    FINANCE = "finance", "金融扶持"
    RELOCATION = "relocation", "易地搬迁"


NO_LABOUR = frozenset({"lost", "none"})
LABOURERS = frozenset({"ordinary", "skilled"})
CATEGORIES = tuple(category.value for category in SupportCategory)


@dataclass(frozen=True)
class Suggestion:
    category: str
    rule: str
    facts: dict[str, Any]


def suggest(
    main_cause: str | None, other_causes: Sequence[str], members: Sequence[dict[str, Any]]
) -> list[Suggestion]:
    causes = {cause for cause in [main_cause, *other_causes] if cause}
    active = [member for member in members if member.get("status", "active") == "active"]
    labourers = sum(1 for member in active if member["labour_capacity"] in LABOURERS)
    no_labour = sum(1 for member in active if member["labour_capacity"] in NO_LABOUR)
    disabled = sum(1 for member in active if member["health"] == "disabled")
    out: list[Suggestion] = []
    if active and labourers == 0 and no_labour > 0:
        out.append(Suggestion("guarantee", "no member can work (兜底保障)", {"no_labour": no_labour}))
    if disabled or "disability" in causes:
        out.append(
            Suggestion(
                "rehabilitation", "a disabled member or disability cause (康复扶持)", {"disabled": disabled}
            )
        )
    if labourers >= 2:
        out.append(Suggestion("employment", "two or more labourers (就业培训)", {"labourers": labourers}))
    elif labourers == 1:
        out.append(Suggestion("industry", "few labourers (产业扶持)", {"labourers": labourers}))
    if labourers and "lack_capital" in causes:
        out.append(Suggestion("finance", "can work but lacks capital (金融扶持)", {"causes": sorted(causes)}))
    if causes & {"lack_land", "lack_water", "poor_transport"}:
        out.append(
            Suggestion(
                "relocation",
                "fragile living conditions (易地搬迁)",
                {"causes": sorted(causes & {"lack_land", "lack_water", "poor_transport"})},
            )
        )
    return out
