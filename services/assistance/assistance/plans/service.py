"""A household's plan (脱贫计划; 一户一个脱贫计划): the year it is aimed to exit poverty and how. Setting it again
makes a new version (with the reason) and keeps the one it replaced."""

from __future__ import annotations

import uuid

from assistance import events, households
from assistance.context import Context
from assistance.plans import repository
from assistance.plans.schemas import PlanIn, PlanOut, PlansOut
from assistance.text import reason_required, target_year_within_reach
from fupin_kit.outbox import record_changes
from fupin_kit.pii import mask_texts

TYPED = ("summary", "reason")


def render(ctx: Context, row: repository.Row) -> PlanOut:
    if ctx.actor.sees_full_identity:
        return PlanOut.model_validate(row)
    return PlanOut.model_validate({**row, **{key: mask_texts(row[key]) for key in TYPED}})


async def put(ctx: Context, household_id: uuid.UUID, body: PlanIn) -> PlanOut:
    households.require_ledger_writer(ctx.actor)
    household = await households.within(ctx, household_id, lock=True)
    households.require_assisted(household, "a plan")
    target_year_within_reach(body.target_year, ["body", "target_year"])
    previous = await repository.current(ctx.session, household_id)
    if previous is not None and body.reason is None:
        raise reason_required(["body", "reason"], "a plan replaces the current one")
    added = await repository.add(
        ctx.session,
        {
            "id": uuid.uuid4(),
            "household_id": household_id,
            "division": household["division"],
            "version": 1 if previous is None else previous["version"] + 1,
            "target_year": body.target_year,
            "summary": body.summary,
            "reason": body.reason,
            "set_by": ctx.actor.subject,
        },
    )
    replaces = None if previous is None else previous["id"]
    await record_changes(ctx.session, [events.plan_set(added, ctx.actor, replaces)])
    return render(ctx, added)


async def read(ctx: Context, household_id: uuid.UUID) -> PlansOut:
    await households.within(ctx, household_id)
    rows = await repository.versions(ctx.session, household_id)
    return PlansOut(
        household_id=household_id,
        current=render(ctx, rows[0]) if rows else None,
        history=[render(ctx, row) for row in rows[1:]],
    )
