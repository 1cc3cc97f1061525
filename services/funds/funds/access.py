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
from fupin_kit.problems import ProblemError, forbidden, unprocessable

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


# ---- allocations (资金分配/下达) ---------------------------------------------------------------------------------

# The tiers that allocate: the nation, province and city to a division below them, the county (a city
# without counties alike) records its own funds to itself. The county decides projects: nothing is
# allocated below it.
ALLOCATING_TIERS = ("nation", "province", "city", "county")
# What a county-level division allocates to itself: its own fiscal special fund and the agricultural funds
# it integrates (统筹整合); other money reaches it from above.
OWN_COUNTY_SOURCES = ("county", "integrated")


def county_level(code: str) -> bool:
    """A county, or a city without counties, which stands for its county (its government holds the county's
    powers)."""
    return divisions.level(code) == divisions.Level.COUNTY or code in divisions.COUNTYLESS_CITIES


def county_of(code: str) -> str:
    """The county-level division of a township or village code."""
    city = code[:4].ljust(12, "0")
    return city if city in divisions.COUNTYLESS_CITIES else code[:6].ljust(12, "0")


def require_allocator(actor: Actor) -> None:
    """Tier and role first, so that a caller refused for who it is learns nothing about the receiver."""
    require_tier(actor, *ALLOCATING_TIERS)
    require_role(actor, "officer")


def _not_a_receiver(detail: str) -> ProblemError:
    return unprocessable(
        detail,
        code="not-an-allocation-receiver",
        errors=[{"loc": ["body", "division"], "msg": detail, "type": "allocation_receiver"}],
    )


def require_receiver(actor: Actor, division: str, source: str, has_parent: bool) -> None:
    """A division within the caller's jurisdiction (404 outside), at the county level at the lowest, and
    strictly below the caller, except a county-level caller's own funds recorded to itself."""
    require_within(actor, division, "division")
    if divisions.level(division) > divisions.Level.COUNTY and not county_level(division):
        raise _not_a_receiver("funds are allocated down to the county level at the lowest")
    if division != actor.division:
        return
    if not county_level(division) or source not in OWN_COUNTY_SOURCES or has_parent:
        raise _not_a_receiver(
            "an allocation goes to a division below the allocating one; a county records only its own "
            "funds (county, integrated) to itself, passing nothing down"
        )


# ---- joint inspections (联合检查) and evaluations (绩效评价) ------------------------------------------------------

# The tiers that inspect a county jointly with its departments: the county itself and the tiers that
# supervise it directly (the nation supervises through the provinces).
INSPECTING_TIERS = ("province", "city", "county")
# The tiers that freeze a county's special fund evaluation: those above it that assess it.
FUND_EVALUATING_TIERS = ("province", "city")


def require_inspector(actor: Actor) -> None:
    """Tier and role first, so that a caller refused for who it is learns nothing about the county."""
    require_tier(actor, *INSPECTING_TIERS)
    require_role(actor, "officer")


def require_fund_evaluator(actor: Actor) -> None:
    require_tier(actor, *FUND_EVALUATING_TIERS)
    require_role(actor, "officer")


def require_county(actor: Actor, division: str, loc: tuple[str, str] = ("body", "division")) -> None:
    """A county-level division (a city without counties counts as one) within the caller's jurisdiction
    (404 outside it, 422 not-a-county for a code of another level)."""
    require_within(actor, division, loc[1])
    if not county_level(division):
        raise unprocessable(
            "give a county's 12-digit code (a city without counties counts as a county)",
            code="not-a-county",
            errors=[{"loc": list(loc), "msg": "not a county code", "type": "division_level"}],
        )


def county_range(county: str) -> tuple[str, str]:
    """The code range of a county-level division's subtree."""
    return divisions.subtree_range(county)
