"""Named helpers (帮扶责任人): each household the registry has registered as poor (registered, returned) or
monitors has one named helper, assigned and changed by the county's or township's officers; a change ends
the previous assignment (kept, with the day and why) instead of overwriting it."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from assistance import access, events
from assistance.context import Context
from assistance.helpers import repository
from assistance.helpers.schemas import HelperEndIn, HelperIn, HelperOut, HelpersOut, HouseholdOut
from assistance.text import not_before, not_future, reason_required
from assistance.visits import repository as visits_repository
from fupin_kit import civil_time
from fupin_kit import division_keyset as keyset
from fupin_kit.outbox import record_changes
from fupin_kit.problems import conflict, not_found

# The statuses in which a household has (or keeps) a named helper: registered as poor (建档立卡), returned
# to poverty (返贫), or monitored (监测对象). A candidate is not yet poor; an exited household's helper ends.
ASSIGNABLE: tuple[str, ...] = ("registered", "returned", "monitored")
WRITER_TIERS = ("county", "township")
TYPED = ("unit", "reason", "end_reason")


@dataclass(frozen=True)
class HouseholdGaps:
    """What a household list narrows to: households in charge without a current helper, or not visited
    for `unvisited_days` days (both: those lacking both)."""

    unassigned: bool = False
    unvisited_days: int | None = None


def render(ctx: Context, row: repository.Row) -> HelperOut:
    return HelperOut.model_validate(access.person_as_shown(ctx.actor, row, TYPED))


async def _household(ctx: Context, household_id: uuid.UUID, *, lock: bool = False) -> repository.Row:
    lo, hi = ctx.actor.subtree
    read = repository.lock_household if lock else repository.get_household
    household = await read(ctx.session, household_id, lo, hi)
    if household is None:
        raise not_found("household")
    return household


async def assign(ctx: Context, household_id: uuid.UUID, body: HelperIn) -> HelperOut:
    access.require_writer(ctx.actor, *WRITER_TIERS)
    household = await _household(ctx, household_id, lock=True)
    if household["status"] not in ASSIGNABLE:
        raise conflict(
            f"a helper is assigned to a household that is {', '.join(ASSIGNABLE)}; "
            f"this one is {household['status']}",
            code="household-status",
            household_status=household["status"],
        )
    not_future(body.started_on, ["body", "started_on"], "the start date")
    previous = await repository.current(ctx.session, household_id)
    assignment_id = uuid.uuid4()
    changes = []
    if previous is not None:
        if body.reason is None:
            raise reason_required(["body", "reason"], "a helper replaces the current one")
        not_before(
            body.started_on, previous["started_on"], ["body", "started_on"], "the start date",
            "the current helper started then",
        )  # fmt: skip
        ended = await repository.end(
            ctx.session,
            previous["id"],
            {"ended_on": body.started_on, "end_reason": body.reason, "ended_by": ctx.actor.subject},
        )
        changes.append(events.helper_ended(ended, ctx.actor, replaced_by=assignment_id))
    added = await repository.add(
        ctx.session,
        {
            "id": assignment_id,
            "household_id": household_id,
            "division": household["division"],
            "name": body.name,
            "unit": body.unit,
            "unit_tier": body.unit_tier.value,
            "phone": body.phone,
            "started_on": body.started_on,
            "reason": body.reason,
            "assigned_by": ctx.actor.subject,
        },
    )
    changes.append(
        events.helper_assigned(added, ctx.actor, replaces=None if previous is None else previous["id"])
    )
    await record_changes(ctx.session, changes)
    return render(ctx, added)


async def end(ctx: Context, household_id: uuid.UUID, body: HelperEndIn) -> HelperOut:
    """End the current helper's assignment without a successor."""
    access.require_writer(ctx.actor, *WRITER_TIERS)
    await _household(ctx, household_id, lock=True)
    current = await repository.current(ctx.session, household_id)
    if current is None:
        raise conflict("the household has no current helper", code="no-helper")
    ended_on = body.ended_on or civil_time.china_today()
    not_future(ended_on, ["body", "ended_on"], "the end date")
    not_before(
        ended_on, current["started_on"], ["body", "ended_on"], "the end date", "the helper started then"
    )
    ended = await repository.end(
        ctx.session,
        current["id"],
        {"ended_on": ended_on, "end_reason": body.reason, "ended_by": ctx.actor.subject},
    )
    await record_changes(ctx.session, [events.helper_ended(ended, ctx.actor, replaced_by=None)])
    return render(ctx, ended)


async def read(ctx: Context, household_id: uuid.UUID) -> HelpersOut:
    await _household(ctx, household_id)
    rows = await repository.of_household(ctx.session, household_id)
    current = next((row for row in rows if row["ended_on"] is None), None)
    return HelpersOut(
        household_id=household_id,
        current=None if current is None else render(ctx, current),
        history=[render(ctx, row) for row in rows if row["ended_on"] is not None],
    )


async def search(ctx: Context, division: str | None, after: str | None, limit: int) -> keyset.Page[HelperOut]:
    lo, hi = access.subtree(ctx.actor, division)
    rows = await repository.current_page(ctx.session, lo, hi, keyset.decode(after), limit)
    return keyset.page(rows, limit, lambda row: render(ctx, row), "id")


async def households(
    ctx: Context, division: str | None, gaps: HouseholdGaps, after: str | None, limit: int
) -> keyset.Page[HouseholdOut]:
    """The households of a subtree with their current helpers and last visits; with `gaps`, only those that
    should have a helper (ASSIGNABLE) and lack what it names: the gaps a county or township must close."""
    lo, hi = access.subtree(ctx.actor, division)
    where = repository.HouseholdFilter(
        lo,
        hi,
        statuses=ASSIGNABLE if gaps.unassigned or gaps.unvisited_days is not None else None,
        unassigned=gaps.unassigned,
        not_visited_since=None if gaps.unvisited_days is None else not_visited_since(gaps.unvisited_days),
    )
    rows = await repository.household_page(ctx.session, where, keyset.decode(after), limit)
    shown_ids = [row["household_id"] for row in rows[:limit]]
    helpers = await repository.current_of(ctx.session, shown_ids)
    last_visits = await visits_repository.last_visits_of(ctx.session, shown_ids)

    def household_out(row: repository.Row) -> HouseholdOut:
        helper = helpers.get(row["household_id"])
        return HouseholdOut(
            id=row["household_id"],
            division=row["division"],
            status=row["status"],
            head_name=access.head_name_as_shown(ctx.actor, row["head_name"]),
            member_count=row["member_count"],
            version=row["version"],
            helper=None if helper is None else render(ctx, helper),
            last_visited_on=last_visits.get(row["household_id"]),
        )

    return keyset.page(rows, limit, household_out, "household_id")


def not_visited_since(days: int) -> dt.date:
    """The first day a visit must fall on or after for a household not to count as unvisited for `days`
    days: one last visited exactly `days` days ago (China time) is due."""
    return civil_time.china_today() - dt.timedelta(days=days - 1)
