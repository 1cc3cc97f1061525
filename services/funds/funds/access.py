"""Who may propose where, which part of the tree a list covers, and what a reader above the county reads.

A project is proposed for a village or a township within the proposer's jurisdiction (404 outside it, 422
for a code of another level); the tier and role are checked first, so a caller refused for who it is learns
nothing about the place (a 403 wherever it aims). Every tier reads the projects within its jurisdiction;
above the county what officers typed (tasks, mechanism, reasons, notes) is read with any personal number in
it masked (fupin_kit.pii), and the household ids of the beneficiaries are not shown."""

from __future__ import annotations

from funds import workflow
from fupin_kit import divisions
from fupin_kit.auth.actor import Actor, require_role, require_tier, require_within
from fupin_kit.problems import forbidden, unprocessable

PLACE_LEVELS = (divisions.Level.VILLAGE, divisions.Level.TOWNSHIP)


def require_proposer(actor: Actor) -> None:
    if not workflow.may_propose(actor.tiers_held, actor.roles):
        raise forbidden("a project is proposed by a village cadre, or by a township or county officer")


def require_place(actor: Actor, division: str) -> None:
    """The place of a project: a village or township code within the caller's jurisdiction."""
    require_within(actor, division, "division")
    if divisions.level(division) not in PLACE_LEVELS:
        raise unprocessable(
            "a project is carried out in a village or a township: give its 12-digit code",
            code="not-a-village-or-township",
            errors=[
                {
                    "loc": ["body", "division"],
                    "msg": "not a village or township code",
                    "type": "division_level",
                }
            ],
        )


def subtree(actor: Actor, division: str | None) -> tuple[str, str]:
    """The code range a list covers: the caller's jurisdiction, or the division it names within it (404
    outside, as for any object outside it)."""
    if division is None:
        return actor.subtree
    require_within(actor, division, "division")
    return divisions.subtree_range(division)


def public_subtree(division: str) -> tuple[str, str]:
    """The code range the public board searches: any division's (no caller, no jurisdiction)."""
    return divisions.subtree_range(division)


# Payments and findings: the county pays households (到户资金) and resolves what the supervision finds;
# the county and the tiers above it supervise (list findings, scan payments).
SUPERVISING_TIERS = ("nation", "province", "city", "county")


def require_county_officer(actor: Actor) -> None:
    """Tier and role first, so that a caller refused for who it is learns nothing about the household."""
    require_tier(actor, "county")
    require_role(actor, "officer")


def require_supervisor(actor: Actor, *, officer: bool = False) -> None:
    require_tier(actor, *SUPERVISING_TIERS)
    if officer:
        require_role(actor, "officer")


def require_village(division: str) -> None:
    if divisions.level(division) is not divisions.Level.VILLAGE:
        raise unprocessable(
            "a benefit list is a village's: give its 12-digit code",
            code="not-a-village",
            errors=[{"loc": ["query", "division"], "msg": "not a village code", "type": "division_level"}],
        )
