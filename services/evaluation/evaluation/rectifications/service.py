"""Rectification tasks (整改): opened by an evaluation's close (worked by the county, accepted or returned by
the province) or by an assessment's finalization (worked by the assessee graded 较差, accepted or returned
by the assessor), along the workflow's table."""

from __future__ import annotations

import datetime as dt
import uuid

from evaluation import access, events
from evaluation.codes import RectificationAction, RectificationStatus
from evaluation.context import Context
from evaluation.rectifications import repository, workflow
from evaluation.rectifications.schemas import RectificationOut, StepIn
from evaluation.text import note_required
from fupin_kit import civil_time
from fupin_kit import division_keyset as keyset
from fupin_kit.auth.actor import require_role, require_tier
from fupin_kit.outbox import record_changes
from fupin_kit.problems import conflict, not_found

# The summary of an assessment's task quotes the veto's typed reason, so it is masked above the county too.
TYPED = ("done", "return_reason", "summary")
# domain.md §7 sets no term: a month from the close, unless a later slice lets the province set one.
DEFAULT_TERM = dt.timedelta(days=30)


def is_overdue(row: repository.Row, today: dt.date) -> bool:
    return row["deadline"] < today and RectificationStatus(row["status"]) in workflow.OPEN


def render(ctx: Context, row: repository.Row) -> RectificationOut:
    shown = access.texts_as_shown(ctx.actor, row, TYPED)
    return RectificationOut.model_validate({**shown, "overdue": is_overdue(row, civil_time.china_today())})


def _require_taker(ctx: Context, action: RectificationAction) -> None:
    """Before the task is looked for: an officer of a tier that works (or checks) some task."""
    is_check = workflow.BY[action] == workflow.CHECKER
    require_tier(ctx.actor, *(workflow.CHECKER_TIERS if is_check else workflow.WORKER_TIERS))
    require_role(ctx.actor, access.WRITER_ROLE)


def _require_task_taker(ctx: Context, action: RectificationAction, task: repository.Row) -> None:
    """The task's own worker (or checker) tier: the county (province) for an evaluation's, the assessee's
    (assessor's) for an assessment's. The caller found the task in its jurisdiction, so this says nothing
    it could not read."""
    is_check = workflow.BY[action] == workflow.CHECKER
    require_tier(ctx.actor, task["checker_tier" if is_check else "worker_tier"])


def _step_values(action: RectificationAction, note: str | None) -> dict[str, object]:
    if action == RectificationAction.SUBMIT:
        return {"done": note}
    if action == RectificationAction.RETURN:
        return {"return_reason": note}
    return {}


async def step(
    ctx: Context, rectification_id: uuid.UUID, action: RectificationAction, body: StepIn
) -> RectificationOut:
    _require_taker(ctx, action)
    lo, hi = ctx.actor.subtree
    task = await repository.get(ctx.session, rectification_id, lo, hi, lock=True)
    if task is None:
        raise not_found("rectification")
    _require_task_taker(ctx, action, task)
    current = RectificationStatus(task["status"])
    move = workflow.transition(current, action)
    if move is None:
        allowed = ", ".join(workflow.actions_from(current)) or "nothing (it is final)"
        raise conflict(
            f"a {current.value} rectification cannot be taken through {action.value}; allowed: {allowed}",
            code="invalid-transition",
            rectification_status=current.value,
        )
    if move.needs_note and body.note is None:
        raise note_required(["body", "note"], action.value)
    changed = await repository.change(
        ctx.session,
        rectification_id,
        {"status": move.target.value, "updated_by": ctx.actor.subject, **_step_values(action, body.note)},
    )
    event = events.rectification_step(changed, action.value, current.value, body.note, ctx.actor)
    await record_changes(ctx.session, [event])
    return render(ctx, changed)


async def search(
    ctx: Context,
    division: str | None,
    status: RectificationStatus | None,
    overdue: bool,
    after: str | None,
    limit: int,
) -> keyset.Page[RectificationOut]:
    lo, hi = access.subtree(ctx.actor, division)
    where = repository.Filter(
        lo=lo,
        hi=hi,
        status=None if status is None else status.value,
        overdue_before=civil_time.china_today() if overdue else None,
        open_statuses=tuple(status.value for status in workflow.OPEN),
    )
    rows = await repository.page(ctx.session, where, keyset.decode(after), limit)
    return keyset.page(rows, limit, lambda row: render(ctx, row), "id")
