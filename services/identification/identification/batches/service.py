"""Batch decisions over a whole village, township or county list (township review, county approval).

Two steps, because a spot-check must be done before the decision: `draw` freezes the list and marks a
reproducible sample (≥ the step's minimum rate, seeded by the batch id, recorded); `decide` takes the
spot-check findings of every sampled case and moves the rest of the list in one set-based statement.
A sampled case that failed its check stays where it is, for an individual decision."""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

import orjson

from fupin_contracts import identification as contracts
from fupin_kit import divisions
from fupin_kit.audit.chain import AuditEntry
from fupin_kit.audit.changes import stage
from fupin_kit.auth.actor import Actor, require_within
from fupin_kit.envelope import domain_topic
from fupin_kit.outbox import record_changes
from fupin_kit.pii import mask_texts
from fupin_kit.problems import conflict, not_found, unprocessable
from fupin_kit.request_context import current_request_id
from fupin_kit.telemetry import current_trace_headers
from identification import events, keyset, regions, workflow
from identification.batches import repository
from identification.batches.schemas import (
    BatchIn,
    BatchOut,
    BatchSummary,
    DecisionIn,
    FindingOut,
    SkippedOut,
    WithdrawalIn,
)
from identification.cases import income_test
from identification.context import Context, step_for
from identification.quotas import service as quotas

S, A = workflow.State, workflow.Action
SOURCE: dict[workflow.Action, workflow.State] = {
    A.TOWNSHIP_REVIEW: S.FIRST_NOTICED,
    A.COUNTY_APPROVE: S.SECOND_NOTICED,
}
BLOCKED_REASON = "blocked: an open department comparison hit"
NO_LIVING_REASON = "no living members: nobody lives in the household any more"
INCOME_REASON = (
    "the identification income test: per-capita net income above the poverty line in force; decide it "
    "individually"
)
FAILED_CHECK_REASON = "a failed spot-check at this step awaits an individual decision"
REGISTERED_ELSEWHERE_REASON = (
    "registered as poor by another route: the registry has the household registered (or returned)"
)
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
    # One undecided draw per list: while a drawn batch still covers cases of this list at this step, a new
    # draw would let an officer redraw the sample until it leaves out the case they would rather not check.
    await repository.lock_draws(ctx.session, action.value)
    covering = await repository.open_batch_covering(ctx.session, action.value, lo, hi, source.value)
    if covering is not None:
        raise conflict(
            f"batch {covering} is drawn over cases of this list and not decided yet: decide it first",
            code="batch-open",
            batch_id=str(covering),
        )
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
    _audit(ctx, batch, "drawn", cases=frozen, sample=size)
    return await _out(ctx, batch)


def _audit(ctx: Context, batch: dict[str, Any], verb: str, **detail: Any) -> None:
    """The batch's entry in the audit chain, appended as the transaction commits. A batch moves its cases
    by statements over the whole list (their events too), so the list-wide operation is audited once here,
    what it did in numbers; the failed spot checks, one event each, are audited with their events."""
    stage(
        ctx.session,
        [
            AuditEntry(
                actor=ctx.actor.subject,
                action=f"batch.{verb}",
                subject=f"batch/{batch['id']}",
                division=batch["division"],
                detail={"action": batch["action"], **detail},
                at=ctx.now,
            )
        ],
    )


def _masked(actor: Actor, batch: dict[str, Any]) -> dict[str, Any]:
    """The batch as `actor` may read it: above the county, the withdrawal reason (what an officer typed, which
    may quote an ID card or a phone) with ID and mobile numbers masked, as the cases' history shows it."""
    if actor.sees_full_identity or not batch.get("withdrawal_reason"):
        return batch
    return {**batch, "withdrawal_reason": mask_texts(batch["withdrawal_reason"])}


async def _out(
    ctx: Context, batch: dict[str, Any], decided: int | None = None, *, with_items: bool = False
) -> BatchOut:
    sample = await repository.sample(ctx.session, batch["id"])
    skipped = await repository.skipped(ctx.session, batch["id"])
    items = await repository.items(ctx.session, batch["id"]) if with_items else None
    findings = await repository.findings(ctx.session, batch["id"])
    if not ctx.actor.sees_full_identity:
        # A spot-check note is what the officer typed, read like the cases' history above the county.
        findings = [{**row, "note": mask_texts(row.get("note") or "")} for row in findings]
    return BatchOut(
        **{**_masked(ctx.actor, batch), "rate": float(batch["rate"])},
        sample=sample,
        decided=decided,
        skipped=[SkippedOut.model_validate(row) for row in skipped],
        findings=[FindingOut.model_validate(row) for row in findings],
        items=items,
    )


async def read(ctx: Context, batch_id: uuid.UUID) -> BatchOut:
    lo, hi = ctx.actor.subtree
    batch = await repository.get(ctx.session, batch_id, lo, hi)
    if batch is None:
        raise not_found("batch")
    decided = None
    if batch["status"] == "decided":
        decided = await repository.decided_count(ctx.session, batch_id, batch["action"])
    return await _out(ctx, batch, decided, with_items=True)


async def search(
    ctx: Context, division: str | None, action: str | None, status: str | None, after: str | None, limit: int
) -> keyset.Page[BatchSummary]:
    """The batches of the caller's jurisdiction (or of one division in it), newest first: every draw is
    on record, decided or not."""
    lo, hi = ctx.actor.subtree
    if division is not None:
        require_within(ctx.actor, division, "division")
        lo, hi = divisions.subtree_range(division)
    rows = await repository.search(ctx.session, lo, hi, action, status, keyset.decode(after), limit)
    return keyset.convert(
        keyset.page(rows, limit, "created_at"),
        lambda row: BatchSummary.model_validate({**_masked(ctx.actor, row), "rate": float(row["rate"])}),
    )


async def _drawn(ctx: Context, batch_id: uuid.UUID) -> tuple[dict[str, Any], workflow.Transition]:
    """The batch, locked, if it is still drawn and the caller holds the tier and role of its step (those
    that drew it); 404 outside the jurisdiction, 403 for another tier or role, 409 once decided or
    withdrawn."""
    lo, hi = ctx.actor.subtree
    batch = await repository.get(ctx.session, batch_id, lo, hi, lock=True)
    if batch is None:
        raise not_found("batch")
    action = A(batch["action"])
    step = step_for(ctx, SOURCE[action], action)
    if batch["status"] != "drawn":
        raise conflict(f"the batch is already {batch['status']}", code=batch["status"])
    return batch, step


async def decide(ctx: Context, batch_id: uuid.UUID, body: DecisionIn) -> BatchOut:
    batch, step = await _drawn(ctx, batch_id)
    action = A(batch["action"])
    source = SOURCE[action]
    sample = set(await repository.sample(ctx.session, batch_id))
    given = {finding.case_id for finding in body.findings}
    if len(given) < len(body.findings):
        # Two findings for one case (passed and failed, say) would leave which one counts to chance.
        counts = Counter(finding.case_id for finding in body.findings)
        named_twice = sorted(str(case_id) for case_id, times in counts.items() if times > 1)
        raise unprocessable(
            "each sampled case takes one spot-check finding: "
            f"{len(named_twice)} named more than once ({', '.join(named_twice[:5])})",
            code="duplicate-finding",
        )
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
    params = {
        "batch_id": batch_id,
        "batch_text": str(batch_id),
        "state": source.value,
        "action": action.value,
        "actor": ctx.actor.subject,
        "actor_tier": ctx.actor.tier,
        "now": ctx.now,
    }
    failed = await repository.record_failed(ctx.session, params)
    # Each failed check is published like the case's steps (it stays where it is, so no transition event
    # says so); a failure is a sampled case, so these are a fraction of the list, not one per case.
    await record_changes(
        ctx.session,
        [events.spot_check_failed_event(case, batch_id, action.value, ctx.actor) for case in failed],
    )
    if workflow.blocked_by_open_hit(source, action):
        # A case with an open blocking hit is left out of the list-wide decision (recorded on the item
        # and the case), not allowed to fail the whole list: the rest of the village is not held back.
        await repository.skip_blocked(ctx.session, {**params, "reason": BLOCKED_REASON})
    # Likewise a household nobody lives in any more, and a case whose failed spot-check at this step
    # (in an earlier batch) no decision has addressed yet.
    await repository.skip_blocked(
        ctx.session, {**params, "reason": NO_LIVING_REASON}, repository.SKIP_NO_LIVING_MEMBERS
    )
    await repository.skip_blocked(
        ctx.session, {**params, "reason": FAILED_CHECK_REASON}, repository.SKIP_FAILED_CHECK
    )
    await repository.skip_blocked(
        ctx.session, {**params, "reason": REGISTERED_ELSEWHERE_REASON}, repository.SKIP_REGISTERED_ELSEWHERE
    )
    facts: dict[uuid.UUID, dict[str, Any]] = {}
    if action is A.COUNTY_APPROVE:
        # The approval decides the household is poor: the income test runs again (cases.income_test), and
        # a case that fails it is left for an individual decision, which names the figures and the line.
        frozen = await repository.incomes_of_frozen(ctx.session, batch_id, source.value)
        judgment = await income_test.judge_list(ctx.session, frozen)
        if judgment.failing:
            await repository.skip_blocked(
                ctx.session,
                {**params, "reason": INCOME_REASON, "case_ids": judgment.failing},
                repository.SKIP_LISTED,
            )
        # Each approved case records the income judged and the standard, as an approval on its own does.
        facts = judgment.facts
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
            "correlation": current_request_id(),
        },
        facts,
    )
    await repository.mark_decided(ctx.session, batch_id, ctx.actor.subject, ctx.now)
    _audit(ctx, batch, "decided", moved=moved)
    return await _out(ctx, {**batch, "status": "decided"}, moved)


async def withdraw(ctx: Context, batch_id: uuid.UUID, body: WithdrawalIn) -> BatchOut:
    """End a draw nobody will decide (its sample cannot be checked, the officer who drew it has left), so
    that its list can be drawn again: only by the tier and roles of its step, with a reason kept on the
    batch and on the history of each sampled case still at the step. No case moves. The batch stays listed
    (GET /batches), so a list drawn again and again until the sample suits is there for anyone to see."""
    batch, _step = await _drawn(ctx, batch_id)
    if body.reason is None:
        raise unprocessable(
            "a withdrawal must give its reason (reason): it is kept on the batch and on each sampled case",
            code="reason-required",
            errors=[{"loc": ["body", "reason"], "msg": "a reason is required", "type": "reason_required"}],
        )
    source = SOURCE[A(batch["action"])]
    await repository.record_withdrawn(
        ctx.session,
        {
            "batch_id": batch_id,
            "batch_text": str(batch_id),
            "state": source.value,
            "action": batch["action"],
            "reason": body.reason,
            "actor": ctx.actor.subject,
            "actor_tier": ctx.actor.tier,
            "now": ctx.now,
        },
    )
    await repository.mark_withdrawn(ctx.session, batch_id, ctx.actor.subject, ctx.now, body.reason)
    _audit(ctx, batch, "withdrawn")
    withdrawn = {
        **batch,
        "status": "withdrawn",
        "withdrawn_by": ctx.actor.subject,
        "withdrawn_at": ctx.now,
        "withdrawal_reason": body.reason,
    }
    return await _out(ctx, withdrawn, with_items=True)
