"""A household's measures (帮扶措施; 一户一套帮扶措施): added planned, moved along the workflow's table, and
the result of a completed one signed off by the household, once."""

from __future__ import annotations

import datetime as dt
import uuid

from assistance import access, events, households
from assistance.codes import MeasureStatus, MeasureType
from assistance.context import Context
from assistance.measures import repository, workflow
from assistance.measures.schemas import MeasureIn, MeasureOut, ProgressIn, SignOffIn
from assistance.text import not_before, not_future, reason_required
from fupin_kit import civil_time
from fupin_kit import division_keyset as keyset
from fupin_kit.outbox import record_changes
from fupin_kit.pii import mask_name, mask_texts
from fupin_kit.problems import conflict, not_found, unprocessable

TYPED = ("description", "scale", "result", "cancel_reason")


def is_overdue(row: repository.Row, today: dt.date) -> bool:
    return row["deadline"] < today and row["status"] in workflow.OPEN


def render(ctx: Context, row: repository.Row) -> MeasureOut:
    shown = {**row, "overdue": is_overdue(row, civil_time.china_today())}
    if not ctx.actor.sees_full_identity:
        shown.update({key: mask_texts(row[key]) for key in TYPED})
        shown["signed_by"] = None if row["signed_by"] is None else mask_name(row["signed_by"])
    return MeasureOut.model_validate(shown)


async def add(ctx: Context, household_id: uuid.UUID, body: MeasureIn) -> MeasureOut:
    households.require_ledger_writer(ctx.actor)
    household = await households.within(ctx, household_id, lock=True)
    households.require_assisted(household, "a measure")
    added = await repository.add(
        ctx.session,
        {
            "id": uuid.uuid4(),
            "household_id": household_id,
            "division": household["division"],
            "type": body.type.value,
            "description": body.description,
            "scale": body.scale,
            "amount": body.amount,
            "deadline": body.deadline,
            "status": workflow.PLANNED.value,
            "added_by": ctx.actor.subject,
        },
    )
    await record_changes(ctx.session, [events.measure_added(added, ctx.actor)])
    return render(ctx, added)


async def _measure(ctx: Context, measure_id: uuid.UUID) -> repository.Row:
    lo, hi = ctx.actor.subtree
    found = await repository.get(ctx.session, measure_id, lo, hi, lock=True)
    if found is None:
        raise not_found("measure")
    return found


def _required_text(body: ProgressIn) -> dict[str, object]:
    """What the target status needs besides itself: a result to complete, a reason to cancel (422)."""
    if body.status == workflow.COMPLETED:
        if body.result is None:
            raise unprocessable(
                "a result is required to complete a measure",
                code="result-required",
                errors=[{"loc": ["body", "result"], "msg": "a result is required", "type": "missing"}],
            )
        return {"result": body.result, "completed_on": civil_time.china_today()}
    if body.status == workflow.CANCELLED:
        if body.reason is None:
            raise reason_required(["body", "reason"], "a measure is cancelled")
        return {"cancel_reason": body.reason}
    return {}


async def progress(ctx: Context, measure_id: uuid.UUID, body: ProgressIn) -> MeasureOut:
    households.require_ledger_writer(ctx.actor)
    measure = await _measure(ctx, measure_id)
    current = MeasureStatus(measure["status"])
    if not workflow.may_move(current, body.status):
        allowed = ", ".join(workflow.next_statuses(current)) or "nothing (it is final)"
        raise conflict(
            f"a {current.value} measure cannot become {body.status.value}; it may become: {allowed}",
            code="invalid-transition",
            measure_status=current.value,
        )
    changed = await repository.change(
        ctx.session, measure_id, {"status": body.status.value, **_required_text(body)}
    )
    await record_changes(ctx.session, [events.measure_progressed(changed, ctx.actor, current.value)])
    return render(ctx, changed)


async def sign_off(ctx: Context, measure_id: uuid.UUID, body: SignOffIn) -> MeasureOut:
    households.require_ledger_writer(ctx.actor)
    measure = await _measure(ctx, measure_id)
    if measure["status"] != workflow.COMPLETED:
        raise conflict(
            f"only a completed measure's result is signed off; this one is {measure['status']}",
            code="measure-not-completed",
            measure_status=measure["status"],
        )
    if measure["signed_on"] is not None:
        raise conflict("the household has signed this measure off already", code="already-signed-off")
    not_future(body.signed_on, ["body", "signed_on"], "the signing day")
    not_before(
        body.signed_on, measure["completed_on"], ["body", "signed_on"], "the signing day",
        "the measure was completed then",
    )  # fmt: skip
    signed = await repository.change(
        ctx.session,
        measure_id,
        {"signed_by": body.signed_by, "signed_on": body.signed_on, "signed_recorded_by": ctx.actor.subject},
    )
    await record_changes(ctx.session, [events.measure_signed_off(signed, ctx.actor)])
    return render(ctx, signed)


async def of_household(ctx: Context, household_id: uuid.UUID) -> list[MeasureOut]:
    await households.within(ctx, household_id)
    return [render(ctx, row) for row in await repository.of_household(ctx.session, household_id)]


async def search(
    ctx: Context,
    division: str | None,
    status: MeasureStatus | None,
    measure_type: MeasureType | None,
    overdue: bool,
    after: str | None,
    limit: int,
) -> keyset.Page[MeasureOut]:
    lo, hi = access.subtree(ctx.actor, division)
    where = repository.Filter(
        lo=lo,
        hi=hi,
        status=None if status is None else status.value,
        type=None if measure_type is None else measure_type.value,
        overdue_before=civil_time.china_today() if overdue else None,
        open_statuses=tuple(status.value for status in workflow.OPEN),
    )
    rows = await repository.page(ctx.session, where, keyset.decode(after), limit)
    return keyset.page(rows, limit, lambda row: render(ctx, row), "id")
