"""Who may do what, and which part of the tree a list covers.

The province opens, draws, records findings (on the third party's behalf: an `evaluator` token only reads)
and closes an evaluation of a county of its own; the county works its rectification tasks and the province
accepts or returns them. Reads are every tier's within its own jurisdiction. The tier and role are checked
before the object is looked for, so a caller refused for who it is learns nothing about the object. Above
the county, what people typed (a finding's note, what was done, a reason) is read with any personal number
in it masked (fupin_kit.pii), as assistance shows its texts."""

from __future__ import annotations

from typing import Any

from fupin_kit import divisions
from fupin_kit.auth.actor import Actor, require_role, require_tier, require_within
from fupin_kit.pii import mask_texts
from fupin_kit.problems import unprocessable

WRITER_ROLE = "officer"


def require_province_officer(actor: Actor) -> None:
    require_tier(actor, "province")
    require_role(actor, WRITER_ROLE)


def require_county_officer(actor: Actor) -> None:
    """A county's officer (a city without counties holds the county's tier)."""
    require_tier(actor, "county")
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
