"""What the plan, measure and visit use cases share: who may write a household's ledger, and the household
looked up within the caller's jurisdiction.

The household's ledger (plan, measures, visits) is kept by those who work with it: the village's cadres
and the township's and county's officers (a helper is a named person, not an account). The tier and role
are checked before the household is looked for, so a caller refused for who it is learns nothing about it."""

from __future__ import annotations

import uuid

from assistance.context import Context
from assistance.helpers import repository
from fupin_kit.auth.actor import Actor, require_role, require_tier
from fupin_kit.problems import conflict, not_found

# As a helper's: registered as poor, returned to poverty, or monitored.
ASSISTED: tuple[str, ...] = ("registered", "returned", "monitored")
LEDGER_TIERS = ("village", "township", "county")


def require_ledger_writer(actor: Actor) -> None:
    """A village's cadre, or a township's or county's officer (a city without counties holds the county's
    tier)."""
    require_tier(actor, *LEDGER_TIERS)
    require_role(actor, "cadre" if actor.tier == "village" else "officer")


async def within(ctx: Context, household_id: uuid.UUID, *, lock: bool = False) -> repository.Row:
    """The household if the caller's jurisdiction holds it (404 otherwise); locked for a write, so that two
    writes of one household's ledger serialise."""
    lo, hi = ctx.actor.subtree
    read = repository.lock_household if lock else repository.get_household
    household = await read(ctx.session, household_id, lo, hi)
    if household is None:
        raise not_found("household")
    return household


def require_assisted(household: repository.Row, what: str) -> None:
    """409 household-status unless the household is registered, returned or monitored."""
    if household["status"] not in ASSISTED:
        raise conflict(
            f"{what} belongs to a household that is {', '.join(ASSISTED)}; this one is {household['status']}",
            code="household-status",
            household_status=household["status"],
        )
