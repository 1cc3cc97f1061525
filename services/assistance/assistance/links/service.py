"""Industry projects' links to households (带贫/利益联结机制, domain.md §5): which households a project of the
county library lifts, by what mechanism, what they are expected to receive a year and what they actually
received.

Written by the county's and the township's officers, each within its jurisdiction: the project and the
household must both lie in it (a township links its own households to the projects carried out in it; a
project elsewhere in the county is the county's to link). Read by every tier within its own, the head's
name masked above the county. A change of a link is a new version with a reason; an ending keeps the link;
a correction of a year's benefit keeps the amount it replaces."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal

from assistance import access, events, households
from assistance.context import Context
from assistance.links import repository
from assistance.links.schemas import (
    BenefitHistoryOut,
    BenefitIn,
    HouseholdLinkOut,
    LinkDetailOut,
    LinkEndIn,
    LinkIn,
    LinkOut,
    LinkSummaryOut,
    MechanismCount,
    YearReceived,
)
from assistance.readmodel.projects import LIFECYCLE, county_of
from assistance.text import not_before, not_future, reason_required
from fupin_kit import civil_time
from fupin_kit import division_keyset as keyset
from fupin_kit.outbox import record_changes
from fupin_kit.pii import mask_texts
from fupin_kit.problems import conflict, not_found, unprocessable

WRITERS = ("county", "township")
# Approved by the county, or any step after it: the county decides projects (domain.md §6).
APPROVED: frozenset[str] = frozenset(LIFECYCLE[LIFECYCLE.index("county_approved") :])
STILL_POOR = ("registered", "returned")
ZERO = Decimal("0.00")
YEARLY_LIMIT = Decimal("1000000.00")


# Typed by officers: read above the county with any personal number in them masked, as a measure's texts.
TYPED = ("note", "end_reason")


def _typed_as_shown(ctx: Context, row: repository.Row, keys: tuple[str, ...]) -> repository.Row:
    if ctx.actor.sees_full_identity:
        return row
    return {**row, **{key: mask_texts(row[key]) for key in keys}}


def render(ctx: Context, row: repository.Row) -> LinkOut:
    shown = _typed_as_shown(ctx, row, TYPED)
    return LinkOut.model_validate(
        {**shown, "head_name": access.head_name_as_shown(ctx.actor, row.get("head_name") or "")}
    )


async def _project(ctx: Context, project_id: uuid.UUID, *, share: bool = False) -> repository.Row:
    lo, hi = ctx.actor.subtree
    found = await repository.project(ctx.session, project_id, lo, hi, share=share)
    if found is None:
        raise not_found("project")
    return found


def _require_approved(project: repository.Row) -> None:
    if project["rejected"] or project["status"] not in APPROVED:
        raise conflict(
            f"a household is linked to a project the county approved and did not reject; this one is "
            f"{project['status']}",
            code="project-not-approved",
            project_status=project["status"],
        )


def _require_plausible_yearly(amount: Decimal, loc: list[str], what: str) -> None:
    # A household's year from one project above a million yuan is a slip (an extra digit, the project's
    # budget typed as the household's share), and it would swamp every total it joins.
    if amount > YEARLY_LIMIT:
        raise unprocessable(
            f"{what} is at most 1,000,000 yuan a year for one household",
            code="benefit-above-limit",
            errors=[{"loc": loc, "msg": "above 1,000,000 yuan", "type": "benefit-above-limit"}],
        )


def _require_same_county(project: repository.Row, household: repository.Row) -> None:
    # The writers are a county's and a township's officers and both objects lie in their jurisdiction, so
    # today this holds by construction; it stays the rule of record should the project's library county ever
    # differ from where it is carried out, or writers above the county be allowed.
    if county_of(household["division"]) != project["county"]:
        raise unprocessable(
            "the household lives outside the project's county",
            code="outside-project-county",
            errors=[{"loc": ["path", "household_id"], "msg": "outside the project's county", "type": "outside-project-county"}],
        )  # fmt: skip


async def put(ctx: Context, project_id: uuid.UUID, household_id: uuid.UUID, body: LinkIn) -> LinkDetailOut:
    access.require_writer(ctx.actor, *WRITERS)
    _require_plausible_yearly(body.expected_yearly, ["body", "expected_yearly"], "the expected benefit")
    project = await _project(ctx, project_id, share=True)
    _require_approved(project)
    household = await households.within(ctx, household_id, lock=True)
    households.require_assisted(household, "a project link")
    _require_same_county(project, household)
    not_future(body.started_on, ["body", "started_on"], "the start day")
    lo, hi = ctx.actor.subtree
    held = await repository.current(ctx.session, project_id, household_id, lo, hi)
    terms = {**body.model_dump(exclude={"reason", "mechanism"}), "mechanism": body.mechanism.value}
    if held is None:
        link = await repository.add(
            ctx.session,
            {**terms, "id": uuid.uuid4(), "project_id": project_id, "household_id": household_id,
             "division": household["division"], "version": 1, "made_by": ctx.actor.subject},
            None,
        )  # fmt: skip
        await record_changes(ctx.session, [events.link_made(link, ctx.actor)])
        return await _detail(ctx, {**link, **_names(project, household)})
    if body.reason is None:
        raise reason_required(["body", "reason"], "a link is changed")
    link = await repository.change(
        ctx.session, held["id"], {**terms, "version": held["version"] + 1, "made_by": ctx.actor.subject}
    )
    await repository.add_version(ctx.session, link, body.reason)
    await record_changes(ctx.session, [events.link_changed(link, body.reason, ctx.actor)])
    return await _detail(ctx, {**link, **_names(project, household)})


def _names(project: repository.Row, household: repository.Row) -> repository.Row:
    return {"project_name": project["name"], "head_name": household["head_name"]}


async def end(ctx: Context, project_id: uuid.UUID, household_id: uuid.UUID, body: LinkEndIn) -> LinkDetailOut:
    access.require_writer(ctx.actor, *WRITERS)
    project = await _project(ctx, project_id)
    lo, hi = ctx.actor.subtree
    held = await repository.current(ctx.session, project_id, household_id, lo, hi)
    if held is None:
        # Also for a household outside the caller's jurisdiction: its links are none of the caller's.
        raise conflict("the project has no current link to this household", code="not-linked")
    not_future(body.ended_on, ["body", "ended_on"], "the end day")
    not_before(
        body.ended_on, held["started_on"], ["body", "ended_on"], "the end day", "the link started then"
    )
    await _no_benefit_after(ctx, held, body.ended_on)
    link = await repository.change(
        ctx.session, held["id"], {"ended_on": body.ended_on, "end_reason": body.reason, "ended_by": ctx.actor.subject}
    )  # fmt: skip
    await record_changes(ctx.session, [events.link_ended(link, ctx.actor)])
    household = await households.within(ctx, household_id)
    return await _detail(ctx, {**link, **_names(project, household)})


async def _no_benefit_after(ctx: Context, link: repository.Row, ended_on: dt.date) -> None:
    """A link does not end before a year it has a benefit recorded for: the benefit would stand outside the
    link's years, counted in its project's and household's figures (the link is locked, so no benefit is
    recorded meanwhile)."""
    last = await repository.last_benefit_year(ctx.session, link["id"])
    if last is not None and last > ended_on.year:
        raise unprocessable(
            f"a benefit is recorded for {last}: the link ends in {last} at the earliest, or that benefit is "
            "corrected first",
            code="benefit-after-end",
            errors=[
                {
                    "loc": ["body", "ended_on"],
                    "msg": "before a recorded benefit's year",
                    "type": "benefit-after-end",
                }
            ],
        )


async def _detail(ctx: Context, link: repository.Row) -> LinkDetailOut:
    versions = [
        _typed_as_shown(ctx, version, ("note", "reason"))
        for version in await repository.versions(ctx.session, link["id"])
    ]
    return LinkDetailOut.model_validate({**render(ctx, link).model_dump(), "versions": versions})


async def _link_of_a_live_project(ctx: Context, link_id: uuid.UUID) -> repository.Row:
    """The link, locked, of a project not rejected. The project is held FOR SHARE before the link is locked,
    in the order the consumer ending a rejected project's links takes them."""
    lo, hi = ctx.actor.subtree
    seen = await repository.get(ctx.session, link_id, lo, hi)
    if seen is None:
        raise not_found("link")
    project = await repository.project_held_for_a_benefit(ctx.session, seen["project_id"])
    if project is not None and project["rejected"]:
        raise conflict(
            "the county rejected the project: it pays no household, and no benefit is recorded on its links",
            code="project-rejected",
        )
    # Read again under its lock: an ending committed while the project was awaited is seen.
    link = await repository.get(ctx.session, link_id, lo, hi, lock=True)
    assert link is not None  # a link is never deleted
    return link


def _require_benefit_year(link: repository.Row, year: int) -> None:
    """From the link's first year to next year, and not after the year it ended."""
    first = link["started_on"].year
    last, until = civil_time.china_today().year + 1, "next year"
    if link["ended_on"] is not None:
        last, until = link["ended_on"].year, "the year the link ended"
    if not first <= year <= last:
        raise unprocessable(
            f"the year must be {first} (the link's start) to {last} ({until})",
            code="benefit-year",
            errors=[{"loc": ["path", "year"], "msg": "outside the link's years", "type": "benefit-year"}],
        )


async def record_benefit(ctx: Context, link_id: uuid.UUID, year: int, body: BenefitIn) -> BenefitHistoryOut:
    access.require_writer(ctx.actor, *WRITERS)
    _require_plausible_yearly(body.amount, ["body", "amount"], "a benefit")
    link = await _link_of_a_live_project(ctx, link_id)
    _require_benefit_year(link, year)
    held = await repository.benefit_versions(ctx.session, link_id, year)
    if held and body.reason is None:
        raise reason_required(["body", "reason"], "a recorded amount is corrected")
    added = await repository.add_benefit(
        ctx.session,
        {"id": uuid.uuid4(), "link_id": link_id, "year": year, "version": len(held) + 1,
         "amount": body.amount, "reason": body.reason if held else None, "recorded_by": ctx.actor.subject},
    )  # fmt: skip
    replaced = held[0]["amount"] if held else None
    await record_changes(ctx.session, [events.benefit_recorded(link, added, replaced, ctx.actor)])
    return BenefitHistoryOut.model_validate({"current": added, "replaced": held})


async def of_project(
    ctx: Context, project_id: uuid.UUID, mechanism: str | None, after: str | None, limit: int
) -> keyset.Page[LinkOut]:
    await _project(ctx, project_id)
    lo, hi = ctx.actor.subtree
    where = repository.Filter(lo=lo, hi=hi, project_id=project_id, mechanism=mechanism)
    rows = await repository.page(ctx.session, where, keyset.decode(after), limit)
    return keyset.page(rows, limit, lambda row: render(ctx, row), "id")


async def search(
    ctx: Context, division: str | None, mechanism: str | None, after: str | None, limit: int
) -> keyset.Page[LinkOut]:
    lo, hi = access.subtree(ctx.actor, division)
    where = repository.Filter(lo=lo, hi=hi, mechanism=mechanism)
    rows = await repository.page(ctx.session, where, keyset.decode(after), limit)
    return keyset.page(rows, limit, lambda row: render(ctx, row), "id")


def _by_year(rows: list[repository.Row]) -> dict[uuid.UUID, list[YearReceived]]:
    found: dict[uuid.UUID, list[YearReceived]] = defaultdict(list)
    for row in sorted(rows, key=lambda row: row["year"]):
        found[row["link_id"]].append(YearReceived(year=row["year"], amount=row["amount"]))
    return found


async def of_household(ctx: Context, household_id: uuid.UUID) -> list[HouseholdLinkOut]:
    await households.within(ctx, household_id)
    links = await repository.of_household(ctx.session, household_id)
    received = _by_year(await repository.received(ctx.session, [link["id"] for link in links]))
    return [
        HouseholdLinkOut.model_validate({**render(ctx, link).model_dump(), "received": received[link["id"]]})
        for link in links
    ]


async def summary(ctx: Context, project_id: uuid.UUID) -> LinkSummaryOut:
    await _project(ctx, project_id)
    lo, hi = ctx.actor.subtree
    links = await repository.of_project(ctx.session, project_id, lo, hi)
    current = [link for link in links if link["ended_on"] is None]
    by_mechanism: dict[str, list[repository.Row]] = defaultdict(list)
    for link in current:
        by_mechanism[link["mechanism"]].append(link)
    per_year: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in await repository.received(ctx.session, [link["id"] for link in links]):
        per_year[row["year"]] += row["amount"]
    return LinkSummaryOut(
        project_id=project_id,
        households=len({link["household_id"] for link in current}),
        by_mechanism=[
            MechanismCount(
                mechanism=mechanism,
                households=len(found),
                expected_yearly=sum((link["expected_yearly"] for link in found), ZERO),
            )
            for mechanism, found in sorted(by_mechanism.items())
        ],
        expected_yearly_total=sum((link["expected_yearly"] for link in current), ZERO),
        received_by_year=[
            YearReceived(year=year, amount=amount) for year, amount in sorted(per_year.items())
        ],
        still_poor=len({link["household_id"] for link in current if link["household_status"] in STILL_POOR}),
    )
