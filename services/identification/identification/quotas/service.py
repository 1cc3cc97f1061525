"""Quotas (规模控制): the poor population a division may register, in people (人), decomposed province →
city → county → township → village, set by the tier above, never more than the parent's and never less
than the children's; enforced when cases advance, each case counting its household's current members
(repository.py says why current)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from fupin_kit import divisions
from fupin_kit.auth.actor import require_role, require_within
from fupin_kit.outbox import record_change
from fupin_kit.pii import mask_texts
from fupin_kit.problems import conflict, forbidden, not_found, unprocessable
from identification import events, workflow
from identification.context import Context
from identification.quotas import repository
from identification.quotas.schemas import AdjustmentOut, QuotaIn, QuotaOut

S = workflow.State
IDENTIFICATION_ORDER = workflow.KIND_STATES[workflow.Kind.IDENTIFICATION]
# A case holds a place in its village's quota from the village review on; the approved list from the
# county approval on.
PAST_VILLAGE_REVIEW: tuple[str, ...] = tuple(
    state.value for state in IDENTIFICATION_ORDER[IDENTIFICATION_ORDER.index(S.VILLAGE_REVIEWED) :]
)
PAST_COUNTY_APPROVAL: tuple[str, ...] = tuple(
    state.value for state in IDENTIFICATION_ORDER[IDENTIFICATION_ORDER.index(S.COUNTY_APPROVED) :]
)


def _ancestors(village: str) -> list[str]:
    """The village and the divisions above it that may hold a quota: a statistical grouping holds none
    (仙桃's places are counted against 湖北's, fupin_kit.divisions.CITY_GROUPINGS)."""
    return [code for code in divisions.government_chain(village) if code != divisions.NATION]


async def ensure_room(
    ctx: Context, year: int, additions: Mapping[str, int], counted: tuple[str, ...]
) -> None:
    """Refuse (409) when adding `additions` (village → people) would exceed any quota on their path.
    A village without a quota for the year has no room at all: scale control is opt-out, not opt-in."""
    if not additions:
        return
    nodes = sorted({code for village in additions for code in _ancestors(village)})
    limits = await repository.lock_quotas(ctx.session, year, nodes)
    top = min(nodes, key=lambda code: divisions.level(code))
    lo, hi = divisions.subtree_range(top)
    used = await repository.people_by_village(ctx.session, lo, hi, year, counted)
    for node in nodes:
        amount = limits.get(node)
        if amount is None:
            if divisions.level(node) == divisions.Level.VILLAGE:
                raise conflict(f"village {node} has no quota for {year}", code="quota-missing")
            continue
        prefix = divisions.prefix(node)
        taken = sum(people for village, people in used.items() if village.startswith(prefix))
        adding = sum(people for village, people in additions.items() if village.startswith(prefix))
        if taken + adding > amount:
            raise conflict(
                f"the {year} quota of {node} ({amount} people) would be exceeded ({taken} + {adding} people)",
                code="quota-exceeded",
                division=node,
            )


async def ensure_room_for_cases(
    ctx: Context, case_ids: Sequence[uuid.UUID], counted: tuple[str, ...]
) -> None:
    """Refuse (409) when these identification cases, taking their places in `counted`, would exceed a quota
    of their year: each brings its household's current members. Call it before the cases move."""
    by_year = await repository.people_of_cases(ctx.session, case_ids)
    for year, additions in sorted(by_year.items()):
        await ensure_room(ctx, year, additions, counted)


async def set_quota(ctx: Context, body: QuotaIn) -> QuotaOut:
    try:
        level = divisions.level(body.division)
    except divisions.InvalidDivisionCode as exc:
        raise unprocessable(str(exc)) from None
    require_within(ctx.actor, body.division, "division")
    require_role(ctx.actor, "officer", "admin")
    if ctx.actor.level >= level:
        raise forbidden("a quota is set by the tier above the division")
    if level == divisions.Level.NATION:
        raise unprocessable("quotas start at the province")
    if body.division in divisions.CITY_GROUPINGS:
        raise unprocessable(
            f"{body.division} is a statistical grouping (市辖区, 省直辖县级行政区划), not a government: the "
            "province sets the quotas of the county-level units it groups",
            code="statistical-grouping",
        )
    # Before any read of a quota: the checks below hold only against settings that cannot change under them.
    await repository.lock_year_settings(ctx.session, body.year)
    # A case taking a place locks the quotas on its village's path (ensure_room), this one among them:
    # locked here too, before the usage is read, the two wait for each other and this setting counts the
    # places taken before it. Read first and written after, an amount could land below a place taken
    # meanwhile.
    await repository.lock_quotas(ctx.session, body.year, [body.division])
    parent = divisions.government_parent(body.division)
    lo, hi = divisions.subtree_range(body.division)
    if parent is not None and parent != divisions.NATION:
        parent_quota = await repository.get(ctx.session, parent, body.year)
        if parent_quota is None:
            raise conflict(f"the parent {parent} has no quota for {body.year}", code="quota-missing")
        siblings = sum(
            row["amount"]
            for row in await _child_rows(ctx, parent, body.year)
            if row["division"] != body.division
        )
        if siblings + body.amount > parent_quota["amount"]:
            raise conflict(
                f"children of {parent} would hold {siblings + body.amount} people > {parent_quota['amount']}",
                code="quota-exceeded",
            )
    children = sum(row["amount"] for row in await _child_rows(ctx, body.division, body.year))
    if body.amount < children:
        # The figures as members too, so a client can say in its own words what the quota cannot go below.
        raise conflict(
            f"the children already hold {children} people",
            code="quota-below-children",
            held=children,
            amount=body.amount,
        )
    used = sum(
        (await repository.people_by_village(ctx.session, lo, hi, body.year, PAST_VILLAGE_REVIEW)).values()
    )
    if body.amount < used:
        raise conflict(
            f"the households of its cases already count {used} people",
            code="quota-below-usage",
            held=used,
            amount=body.amount,
        )
    before = await repository.get(ctx.session, body.division, body.year)
    await repository.upsert(ctx.session, body.division, body.year, body.amount, ctx.actor.subject)
    adjustment = {
        "division": body.division,
        "year": body.year,
        "before": None if before is None else before["amount"],
        "after": body.amount,
        "actor": ctx.actor.subject,
        "actor_tier": ctx.actor.tier,
        "reason": body.reason,
    }
    await repository.record_adjustment(ctx.session, adjustment)
    await record_change(ctx.session, events.quota_event(adjustment, ctx.actor))
    return await read_quota(ctx, body.division, body.year)


async def read_quota(ctx: Context, division: str, year: int) -> QuotaOut:
    require_within(ctx.actor, division, "quota")
    row = await repository.get(ctx.session, division, year)
    if row is None:
        raise not_found("quota")
    lo, hi = divisions.subtree_range(division)
    used = sum((await repository.people_by_village(ctx.session, lo, hi, year, PAST_VILLAGE_REVIEW)).values())
    return QuotaOut(used=used, **row)


async def _child_rows(ctx: Context, division: str, year: int) -> list[repository.Row]:
    """The year's quota rows of the divisions whose quotas are decomposed from `division`'s (none under a
    village): found by a LIKE pattern of the codes one level below it. A province's are its cities and the
    county-level units of its statistical groupings, in the grouping's place (government_parent)."""
    rows = await repository.child_quotas(ctx.session, division, _children_pattern(division), year)
    groupings = sorted(
        code for code in divisions.CITY_GROUPINGS if divisions.government_parent(code) == division
    )
    for grouping in groupings:
        rows = [row for row in rows if row["division"] != grouping]
        rows += await repository.child_quotas(ctx.session, grouping, _children_pattern(grouping), year)
    return sorted(rows, key=lambda row: str(row["division"]))


def _children_pattern(division: str) -> str:
    head = divisions.prefix(division)
    width = divisions.PREFIX_LENGTH[divisions.child_level(division)]
    return head + "_" * (width - len(head)) + "0" * (12 - width)


async def read_child_quotas(ctx: Context, division: str, year: int) -> list[QuotaOut]:
    """The year's quotas of the divisions directly under `division` that have one, each with the people its
    counted cases hold: how the division's own quota is decomposed (a village has no children)."""
    require_within(ctx.actor, division, "quota")
    if divisions.level(division) == divisions.Level.VILLAGE:
        return []
    rows = await _child_rows(ctx, division, year)
    if not rows:
        return []
    lo, hi = divisions.subtree_range(division)
    used_by_village = await repository.people_by_village(ctx.session, lo, hi, year, PAST_VILLAGE_REVIEW)
    quotas: list[QuotaOut] = []
    for row in rows:
        head = divisions.prefix(row["division"])
        used = sum(people for village, people in used_by_village.items() if village.startswith(head))
        quotas.append(QuotaOut(used=used, **row))
    return quotas


async def list_adjustments(ctx: Context, division: str, year: int) -> list[AdjustmentOut]:
    require_within(ctx.actor, division, "quota")
    rows = await repository.adjustments(ctx.session, division, year)
    if not ctx.actor.sees_full_identity:
        # The reason is what an officer typed (it may quote an applicant's ID card or phone).
        rows = [{**row, "reason": mask_texts(row["reason"])} for row in rows]
    return [AdjustmentOut.model_validate(row) for row in rows]
