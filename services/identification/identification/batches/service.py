"""Batch decisions over a whole village, township or county list (township review, county approval).

Two steps, because a spot-check must be done before the decision: `draw` freezes the list and marks a
reproducible sample (≥ the step's minimum rate, seeded by the batch id, recorded); `decide` takes the
spot-check findings of every sampled case and moves the rest of the list in one set-based statement.
A sampled case that failed its check stays where it is, for an individual decision."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import orjson

from fupin_contracts import identification as contracts
from fupin_kit import divisions
from fupin_kit.auth.actor import require_within
from fupin_kit.envelope import domain_topic
from fupin_kit.problems import conflict, not_found, unprocessable
from fupin_kit.telemetry import current_trace_headers
from identification import regions, workflow
from identification.batches import repository
from identification.batches.schemas import BatchIn, BatchOut, DecisionIn, SkippedOut
from identification.context import Context, step_for
from identification.quotas import service as quotas

S, A = workflow.State, workflow.Action
SOURCE: dict[workflow.Action, workflow.State] = {
    A.TOWNSHIP_REVIEW: S.FIRST_NOTICED,
    A.COUNTY_APPROVE: S.SECOND_NOTICED,
}
BLOCKED_REASON = "blocked: an open department comparison hit"
RATE_KEY: dict[workflow.Action, str] = {
    A.TOWNSHIP_REVIEW: "township_spot_check_rate",
    A.COUNTY_APPROVE: "county_spot_check_rate",
}


async def _rate(ctx: Context, division: str, action: workflow.Action) -> Decimal:
    minimum = Decimal(str(workflow.MIN_SPOT_CHECK[action]))
    configured = await regions.decimal(ctx.session, division, RATE_KEY[action], str(minimum))
    return max(minimum, min(configured, Decimal(1)))


async def draw(ctx: Context, body: BatchIn) -> BatchOut:
    require_within(ctx.actor, body.division, "division")
    action = A(body.action.value)
    source = SOURCE[action]
    step_for(ctx, source, action)
    if divisions.level(body.division) < ctx.actor.level:
        raise not_found("division")
    lo, hi = divisions.subtree_range(body.division)
    total = await repository.count_ready(ctx.session, lo, hi, source.value)
    if total == 0:
        raise conflict(f"no case of {body.division} is ready for {action.value}", code="nothing-ready")
    rate = await _rate(ctx, body.division, action)
    size = workflow.spot_check_size(total, float(rate))
    batch_id = uuid.uuid4()
    seed = str(batch_id)
    batch = {
        "id": batch_id,
        "action": action.value,
        "division": body.division,
        "seed": seed,
        "rate": rate,
        "status": "drawn",
        "case_count": total,
        "sample_count": size,
        "created_by": ctx.actor.subject,
        "created_at": ctx.now,
    }
    await repository.insert_batch(ctx.session, batch)
    frozen = await repository.draw_items(ctx.session, batch_id, seed, lo, hi, source.value, size)
    batch["case_count"] = frozen
    return await _out(ctx, batch)


async def _out(
    ctx: Context, batch: dict[str, Any], decided: int | None = None, *, with_items: bool = False
) -> BatchOut:
    sample = await repository.sample(ctx.session, batch["id"])
    skipped = await repository.skipped(ctx.session, batch["id"])
    items = await repository.items(ctx.session, batch["id"]) if with_items else None
    return BatchOut(
        **{**batch, "rate": float(batch["rate"])},
        sample=sample,
        decided=decided,
        skipped=[SkippedOut.model_validate(row) for row in skipped],
        items=items,
    )


async def read(ctx: Context, batch_id: uuid.UUID) -> BatchOut:
    lo, hi = ctx.actor.subtree
    batch = await repository.get(ctx.session, batch_id, lo, hi)
    if batch is None:
        raise not_found("batch")
    return await _out(ctx, batch, with_items=True)


async def decide(ctx: Context, batch_id: uuid.UUID, body: DecisionIn) -> BatchOut:
    lo, hi = ctx.actor.subtree
    batch = await repository.get(ctx.session, batch_id, lo, hi, lock=True)
    if batch is None:
        raise not_found("batch")
    action = A(batch["action"])
    source = SOURCE[action]
    step = step_for(ctx, source, action)
    if batch["status"] != "drawn":
        raise conflict("the batch is already decided", code="decided")
    sample = set(await repository.sample(ctx.session, batch_id))
    given = {finding.case_id for finding in body.findings}
    if given - sample:
        raise unprocessable("findings given for cases outside the sample")
    if sample - given:
        raise unprocessable(f"{len(sample - given)} sampled cases have no spot-check finding")
    await repository.record_findings(
        ctx.session,
        batch_id,
        [
            {
                "case_id": str(finding.case_id),
                "finding": {"passed": finding.passed, "note": finding.note, "by": ctx.actor.subject},
            }
            for finding in body.findings
        ],
    )
    if workflow.blocked_by_open_hit(source, action):
        # A case with an open blocking hit is left out of the list-wide decision (recorded on the item
        # and the case), not allowed to fail the whole list: the rest of the village is not held back.
        await repository.skip_blocked(
            ctx.session,
            {
                "batch_id": batch_id,
                "batch_text": str(batch_id),
                "state": source.value,
                "reason": BLOCKED_REASON,
                "actor": ctx.actor.subject,
                "actor_tier": ctx.actor.tier,
                "now": ctx.now,
            },
        )
    if action is A.COUNTY_APPROVE:
        by_year = await repository.additions_by_village(ctx.session, batch_id, source.value)
        for year, additions in sorted(by_year.items()):
            await quotas.ensure_room(ctx, year, additions, quotas.PAST_COUNTY_APPROVAL)
    moved = await repository.decide(
        ctx.session,
        {
            "batch_id": batch_id,
            "batch_text": str(batch_id),
            "from_state": source.value,
            "to_state": step.target.value,
            "action": action.value,
            "actor": ctx.actor.subject,
            "actor_tier": ctx.actor.tier,
            "now": ctx.now,
            "event_type": contracts.event_type("identification", action.value),
            "topic": domain_topic("identification"),
            "headers": orjson.dumps(current_trace_headers()).decode(),
        },
    )
    await repository.mark_decided(ctx.session, batch_id, ctx.actor.subject, ctx.now)
    return await _out(ctx, {**batch, "status": "decided"}, moved)
