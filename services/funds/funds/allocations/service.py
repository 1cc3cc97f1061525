"""Allocations down the tiers (资金分配/下达, domain.md §6): a tier's officer allocates money to a division below
it within its jurisdiction, at the county level at the lowest, optionally passing down an allocation its
division received; a county-level officer records its own funds to itself. Each allocation is an event,
audited in its own transaction. The sum passed down from an allocation never exceeds it: the parent is
locked while its children are summed, so concurrent pass-downs run one after another."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from funds import access, events
from funds.allocations import repository
from funds.allocations.schemas import AllocationIn, AllocationOut, FiguresOut, SummaryOut
from funds.codes import AllocationSource
from funds.context import Context
from funds.projects.schemas import ProjectIn
from fupin_kit import civil_time
from fupin_kit import division_keyset as keyset
from fupin_kit.outbox import record_changes
from fupin_kit.problems import ProblemError, conflict, not_found, unprocessable

Row = dict[str, Any]
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# The years after its own within which an allocation's money is spent: its deadline is at most the end of
# the allocation's year plus these.
YEARS_TO_SPEND = 2


def _invalid(field: str, detail: str, code: str) -> ProblemError:
    """A 422 naming the body field; `code` written out at each call (the console's labels are checked
    against the literal codes in the sources)."""
    return unprocessable(detail, code=code, errors=[{"loc": ["body", field], "msg": detail, "type": code}])


def exceeded(available: Decimal, asked: Decimal) -> ProblemError:
    return conflict(
        f"{asked} yuan is more than the {available} yuan left of the allocation",
        code="allocation-exceeded",
        available=str(available),
        amount=str(asked),
    )


def render(row: Row, passed_down: Decimal, detail: Row | None = None) -> AllocationOut:
    return AllocationOut.model_validate(
        {
            **row,
            "source_label": AllocationSource(row["source"]).label,
            "passed_down": passed_down,
            **(detail or {}),
        }
    )


def _deadline(body: AllocationIn) -> None:
    today = civil_time.china_today()
    if body.deadline < today:
        raise _invalid(
            "deadline",
            f"the spending deadline is before the allocation's day ({today.isoformat()}, China time)",
            code="deadline-before-allocation",
        )
    # Money of a year is spent within two more years (转结转 at the latest): a later day is a typing error
    # that would keep the money from ever being found idle.
    latest = dt.date(body.year + YEARS_TO_SPEND, 12, 31)
    if body.deadline > latest:
        raise _invalid(
            "deadline",
            f"the spending deadline of {body.year}'s money is {latest.isoformat()} at the latest",
            code="allocation-deadline-out-of-range",
        )


def _within_parent(parent: Row, body: AllocationIn) -> None:
    """Same year and source as the allocation passed down, and no category it was not approved for."""
    if parent["year"] != body.year:
        raise _invalid(
            "year", f"the allocation passed down is of {parent['year']}", code="allocation-year-mismatch"
        )
    if parent["source"] != body.source.value:
        raise _invalid(
            "source",
            f"the allocation passed down is {parent['source']} money",
            code="allocation-source-mismatch",
        )
    if body.deadline > parent["deadline"]:
        # What is passed down is still the parent's money: it is idle by the parent's deadline at the latest.
        raise _invalid(
            "deadline",
            f"the allocation passed down is to be spent by {parent['deadline'].isoformat()}",
            code="deadline-after-parent",
        )
    outside = sorted({category.value for category in body.categories} - set(parent["categories"]))
    if outside:
        raise _invalid(
            "categories",
            f"not approved for the allocation passed down: {', '.join(outside)}",
            code="categories-outside-parent",
        )


async def _parent(ctx: Context, body: AllocationIn) -> Row | None:
    """The allocation passed down, locked: one the caller's division received (404 otherwise)."""
    if body.parent_id is None:
        return None
    lo, hi = ctx.actor.subtree
    parent = await repository.get(ctx.session, body.parent_id, lo, hi, lock=True)
    if parent is None or parent["division"] != ctx.actor.division:
        raise not_found("allocation")
    _within_parent(parent, body)
    held = parent["amount"] - (await repository.passed_down(ctx.session, [parent["id"]])).get(
        parent["id"], ZERO
    )
    if body.amount > held:
        raise exceeded(held, body.amount)
    return parent


async def allocate(ctx: Context, body: AllocationIn) -> AllocationOut:
    access.require_allocator(ctx.actor)
    access.require_receiver(ctx.actor, body.division, body.source.value, body.parent_id is not None)
    _deadline(body)
    await _parent(ctx, body)
    row = await repository.add(
        ctx.session,
        {
            **body.model_dump(exclude={"source", "categories"}),
            "id": uuid.uuid4(),
            "allocator": ctx.actor.division,
            "source": body.source.value,
            "categories": [category.value for category in body.categories],
            "allocated_on": civil_time.china_today(),
            "made_by": ctx.actor.subject,
        },
    )
    await record_changes(ctx.session, [events.allocation_made(row, ctx.actor)])
    return render(row, ZERO)


async def read(ctx: Context, allocation_id: uuid.UUID) -> AllocationOut:
    lo, hi = ctx.actor.subtree
    row = await repository.get(ctx.session, allocation_id, lo, hi)
    if row is None:
        raise not_found("allocation")
    children = await repository.children(ctx.session, allocation_id)
    detail = {"children": children, "draws": await repository.draws_of_allocation(ctx.session, allocation_id)}
    return render(row, sum((child["amount"] for child in children), ZERO), detail)


async def search(
    ctx: Context, division: str | None, filters: Row, after: str | None, limit: int
) -> keyset.Page[AllocationOut]:
    lo, hi = access.subtree(ctx.actor, division)
    rows = await repository.page(ctx.session, lo, hi, filters, keyset.decode(after), limit)
    passed = await repository.passed_down(ctx.session, [row["id"] for row in rows[:limit]])
    return keyset.page(rows, limit, lambda row: render(row, passed.get(row["id"], ZERO)), "id")


def _figures(row: Row) -> FiguresOut:
    """Yuan to the cent: a sum over nothing is 0 in SQL."""
    amounts = {key: row[key].quantize(CENT) for key in ("received", "passed_down", "committed", "paid")}
    balance = amounts["received"] - amounts["passed_down"] - amounts["committed"]
    return FiguresOut(division=row["division"], balance=balance, **amounts)


async def summary(ctx: Context, division: str | None, year: int) -> SummaryOut:
    lo, hi = access.subtree(ctx.actor, division)
    rows = await repository.summary(ctx.session, lo, hi, year)
    figures = [_figures(row) for row in rows]
    return SummaryOut(division=division or ctx.actor.division, year=year, divisions=figures)


# ---- projects drawing on allocations ----------------------------------------------------------------------


def _not_drawable(index: int, detail: str) -> ProblemError:
    return unprocessable(
        detail,
        code="allocation-not-drawable",
        errors=[{"loc": ["body", "financing", index, "allocation_id"], "msg": detail, "type": "allocation"}],
    )


async def check_draws(ctx: Context, body: ProjectIn) -> list[Row]:
    """The draws of a proposal: each line naming an allocation its county received, of the project's year
    and the line's source. An allocation the proposer cannot see (a village's cadre, the county's money) is
    looked up by id alone, and any that fails is answered alike, absent or another county's."""
    county = access.county_of(body.division)
    draws: list[Row] = []
    for index, line in enumerate(body.financing):
        if line.allocation_id is None:
            continue
        found = await repository.get(ctx.session, line.allocation_id, county, county)
        if found is None or found["year"] != body.year or found["source"] != line.source.value:
            raise _not_drawable(
                index, f"not an allocation of {line.source.value} money to {county} for {body.year}"
            )
        draws.append({"allocation_id": found["id"], "amount": line.amount, "allocation": found})
    return draws


async def commit_draws(ctx: Context, project_id: uuid.UUID) -> None:
    """At the county's approval: what the project draws on each allocation, with what other approved
    projects committed, stays within what the county kept of it (the allocations locked meanwhile)."""
    draws = await repository.draws_of_project(ctx.session, project_id)
    ids = sorted(draw["allocation_id"] for draw in draws)
    held = await repository.lock_many(ctx.session, ids)
    passed = await repository.passed_down(ctx.session, ids)
    for draw in draws:
        allocation_id = draw["allocation_id"]
        kept = held[allocation_id]["amount"] - passed.get(allocation_id, ZERO)
        available = kept - await repository.committed(ctx.session, allocation_id, project_id)
        if draw["amount"] > available:
            raise exceeded(available, draw["amount"])
