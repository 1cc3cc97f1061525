"""Who may do what, and which part of the tree a list covers.

The province opens, draws, records findings (on the third party's behalf: an `evaluator` token only reads)
and closes an evaluation of a county of its own; the county works its rectification tasks and the province
accepts or returns them. An assessment (年度考核) is opened and scored by the nation, a province, a city or
a county, of the tier directly below it (ASSESSEE_LEVELS); the assessor and the tiers above read all of
it, an assessee only its own result. Reads are every tier's within its own jurisdiction. The tier and role are checked
before the object is looked for, so a caller refused for who it is learns nothing about the object. Above
the county, what people typed (a finding's note, what was done, a reason) is read with any personal number
in it masked (fupin_kit.pii), as assistance shows its texts."""

from __future__ import annotations

from typing import Any

from fupin_kit import divisions
from fupin_kit.auth.actor import Actor, require_role, require_tier, require_within
from fupin_kit.pii import mask_texts
from fupin_kit.problems import ProblemError, unprocessable

WRITER_ROLE = "officer"
# A village's writers are its cadres (村干部) as much as its officers: a task assigned to a village is theirs.
VILLAGE_WRITER_ROLES: tuple[str, ...] = (WRITER_ROLE, "cadre")


def writer_roles(actor: Actor) -> tuple[str, ...]:
    return VILLAGE_WRITER_ROLES if actor.tier == "village" else (WRITER_ROLE,)


def require_province_officer(actor: Actor) -> None:
    require_tier(actor, "province")
    require_role(actor, WRITER_ROLE)


def county_level(code: str, loc: list[str]) -> str:
    """422 not-a-county unless `code` is a county-level division (a county, or a city without counties)."""
    if divisions.level(code) == divisions.Level.COUNTY or code in divisions.COUNTYLESS_CITIES:
        return code
    raise unprocessable(
        f"{code} is not a county-level division (a county, or a city without counties)",
        code="not-a-county",
        errors=[{"loc": loc, "msg": "not a county-level division", "type": "not_a_county"}],
    )


def subtree(actor: Actor, division: str | None) -> tuple[str, str]:
    """The caller's jurisdiction, or the division it names within it (404 outside)."""
    if division is None:
        return actor.subtree
    require_within(actor, division, "division")
    return divisions.subtree_range(division)


def texts_as_shown(actor: Actor, row: dict[str, Any], typed: tuple[str, ...]) -> dict[str, Any]:
    """`row` with its typed texts in full at the county and below, personal numbers masked above."""
    if actor.sees_full_identity:
        return row
    return {**row, **{key: mask_texts(row[key]) for key in typed if key in row}}


# ---- assessments -----------------------------------------------------------------------------------------

ASSESSOR_TIERS: tuple[str, ...] = ("nation", "province", "city", "county")
# The levels each tier assesses, the first being the default: the tier directly below, and a province's
# counties when it says so. A city without counties holds the county's tier, so assesses its townships.
ASSESSEE_LEVELS: dict[str, tuple[str, ...]] = {
    "nation": ("province",),
    "province": ("city", "county"),
    "city": ("county",),
    "county": ("township",),
}


def require_assessor_officer(actor: Actor) -> None:
    require_tier(actor, *ASSESSOR_TIERS)
    require_role(actor, WRITER_ROLE)


def assessee_levels(actor: Actor) -> tuple[str, ...]:
    """What the caller may assess, the first by default: a city without counties has no counties, so it
    assesses its townships, as the county tier it holds."""
    if actor.division in divisions.COUNTYLESS_CITIES:
        return ASSESSEE_LEVELS["county"]
    return ASSESSEE_LEVELS.get(actor.tier, ())


def is_of_level(code: str, level: str) -> bool:
    """Structurally a division of `level`: a city without counties counts as a county (and is a city); a
    statistical grouping (市辖区, 省直辖县级行政区划) is no city: no government sits there."""
    found = divisions.level(code)
    if level == "county":
        return found == divisions.Level.COUNTY or code in divisions.COUNTYLESS_CITIES
    if level == "city":
        return found == divisions.Level.CITY and code not in divisions.CITY_GROUPINGS
    return found == divisions.TIER_LEVELS[level]


def not_an_assessee(code: str, level: str, index: int) -> ProblemError:
    message = f"{code} is not a division of level {level} the caller may assess"
    return unprocessable(
        message,
        code="not-an-assessee",
        division=code,
        errors=[{"loc": ["body", "assessees", index], "msg": message, "type": "not_an_assessee"}],
    )
