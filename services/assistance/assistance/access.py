"""Who may write what, which part of the tree a list covers, and what a reader above the county is shown.

Writes are the county's and the township's officers' (helpers) or the county's (teams), each within its
jurisdiction; reads are every tier's within its own. The tier and role are checked before the object is
looked for, so a caller refused for who it is learns nothing about the object (a 403 wherever it aims).
Above the county a phone is masked, and a unit or a reason is read with any personal number in it masked,
as identification shows objectors' contacts and officers' reasons (fupin_kit.pii)."""

from __future__ import annotations

from typing import Any

from fupin_kit import divisions
from fupin_kit.auth.actor import Actor, require_role, require_tier, require_within
from fupin_kit.pii import mask_name, mask_phone, mask_texts

WRITER_ROLE = "officer"


def require_writer(actor: Actor, *tiers: str) -> None:
    require_tier(actor, *tiers)
    require_role(actor, WRITER_ROLE)


def subtree(actor: Actor, division: str | None) -> tuple[str, str]:
    """The code range a list covers: the caller's jurisdiction, or the division it names within it (404
    outside, as for any object outside it)."""
    if division is None:
        return actor.subtree
    require_within(actor, division, "division")
    return divisions.subtree_range(division)


def person_as_shown(
    actor: Actor, person: dict[str, Any], typed: tuple[str, ...] = ("unit",)
) -> dict[str, Any]:
    """A record naming a person with a phone, as `actor` may read it: in full at the county and below."""
    if actor.sees_full_identity:
        return person
    masked = {key: mask_texts(person.get(key)) for key in typed if key in person}
    return {**person, **masked, "phone": mask_phone(person["phone"])}


def head_name_as_shown(actor: Actor, name: str) -> str:
    """A household head's name: in full at the county and below, who assign and visit; masked (张**) above,
    as the tier feeds show names there."""
    return name if actor.sees_full_identity else mask_name(name)
