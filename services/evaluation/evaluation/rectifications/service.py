"""Rectification tasks (整改): opened by an evaluation's close (worked by the county, accepted or returned by
the province) or by an assessment's finalization (worked by the assessee graded 较差, accepted or returned
by the assessor), along the workflow's table. The county may assign a task to a township or village of its
own when it starts it; the checker may extend a task's deadline, each extension kept with its reason.

Each change publishes the task's event; a task assigned to a township or village also tells the assignee,
with the assignee's division (events.for_assignee), so that the assignee's feed carries its task."""

from __future__ import annotations

import datetime as dt
import uuid

from evaluation import access, events
from evaluation.codes import RectificationAction, RectificationStatus
from evaluation.context import Context
from evaluation.rectifications import repository, workflow
from evaluation.rectifications.schemas import (
    DeadlineChangeOut,
    DeadlineIn,
    RectificationDetailOut,
    RectificationOut,
    StepIn,
)
from evaluation.text import note_required
from fupin_kit import civil_time, divisions
from fupin_kit import division_keyset as keyset
from fupin_kit.auth.actor import require_role, require_tier, require_within
from fupin_kit.outbox import record_changes
from fupin_kit.problems import ProblemError, conflict, forbidden, not_found, unprocessable

# The summary of an assessment's task quotes the veto's typed reason, so it is masked above the county too.
TYPED = ("done", "return_reason", "summary")
# domain.md §7 sets no term: a month by default (an assessment's tasks; a round's close may set 7–180 days).
DEFAULT_TERM = dt.timedelta(days=30)
# How far from today a checker may push a deadline: the longest term a close may set.
LONGEST_TERM = dt.timedelta(days=180)


def is_overdue(row: repository.Row, today: dt.date) -> bool:
    return row["deadline"] < today and RectificationStatus(row["status"]) in workflow.OPEN


def render(ctx: Context, row: repository.Row) -> RectificationOut:
    shown = access.texts_as_shown(ctx.actor, row, TYPED)
    return RectificationOut.model_validate({**shown, "overdue": is_overdue(row, civil_time.china_today())})


def _require_taker(ctx: Context, action: RectificationAction) -> None:
    """Before the task is looked for: an officer of a tier that works (or checks) some task."""
    is_check = workflow.BY[action] == workflow.CHECKER
    require_tier(ctx.actor, *(workflow.CHECKER_TIERS if is_check else workflow.WORKER_TIERS))
    require_role(ctx.actor, *access.writer_roles(ctx.actor))


def _require_task_taker(ctx: Context, action: RectificationAction, task: repository.Row) -> None:
    """The task's own worker (or checker) tier: the county (province) for an evaluation's, the assessee's
    (assessor's) for an assessment's; or the task's assignee for a later worker step. The caller found the
    task in its jurisdiction, so this says nothing it could not read."""
    if not workflow.may_take(action, ctx.actor.tiers_held, ctx.actor.division, task):
        is_check = workflow.BY[action] == workflow.CHECKER
        tier = task["checker_tier" if is_check else "worker_tier"]
        raise forbidden(f"only the task's {tier} tier{'' if is_check else ' or its assignee'} may do this")


def _not_an_assignee(message: str) -> ProblemError:
    return unprocessable(
        message,
        code="not-an-assignee",
        errors=[{"loc": ["body", "assignee"], "msg": message, "type": "not_an_assignee"}],
    )


def _check_assignee(ctx: Context, action: RectificationAction, task: repository.Row, assignee: str) -> None:
    """A township or village of the county starting its task; a village's task only to the village or its
    township (422 not-an-assignee; 404 outside the caller's county)."""
    if not workflow.may_assign(action, ctx.actor.tiers_held):
        raise _not_an_assignee("only the county assigns a task, when it starts it")
    require_within(ctx.actor, assignee, "division")
    if divisions.level(assignee) not in {divisions.TIER_LEVELS[tier] for tier in workflow.ASSIGNEE_TIERS}:
        raise _not_an_assignee(f"{assignee} is neither a township nor a village")
    is_village_task = divisions.level(task["division"]) == divisions.Level.VILLAGE
    if is_village_task and not divisions.contains(assignee, task["division"]):
        raise _not_an_assignee(
            f"a task of the village {task['division']} goes to the village or its township"
        )


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
    if body.assignee is not None:
        _check_assignee(ctx, action, task, body.assignee)
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
    values = {"status": move.target.value, "updated_by": ctx.actor.subject, **_step_values(action, body.note)}
    if body.assignee is not None:
        values["assignee"] = body.assignee
    changed = await repository.change(ctx.session, rectification_id, values)
    event = events.rectification_step(changed, action.value, current.value, body.note, ctx.actor)
    told = events.for_assignee(changed, action.value, current.value, body.note, ctx.actor)
    await record_changes(ctx.session, [event, *told])
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


# ---- one task and its deadline ---------------------------------------------------------------------------


async def _detail(ctx: Context, row: repository.Row) -> RectificationDetailOut:
    history = [
        DeadlineChangeOut.model_validate(access.texts_as_shown(ctx.actor, change, ("reason",)))
        for change in await repository.deadline_history(ctx.session, row["id"])
    ]
    return RectificationDetailOut(**render(ctx, row).model_dump(), deadline_history=history)


async def get(ctx: Context, rectification_id: uuid.UUID) -> RectificationDetailOut:
    lo, hi = ctx.actor.subtree
    task = await repository.get(ctx.session, rectification_id, lo, hi)
    if task is None:
        raise not_found("rectification")
    return await _detail(ctx, task)


def _check_new_deadline(task: repository.Row, deadline: dt.date) -> None:
    """Later than the task's deadline and than today (China time): an overdue task extended to a day that
    has passed too would stay overdue; at most LONGEST_TERM ahead."""
    today = civil_time.china_today()
    must_follow = max(task["deadline"], today)
    latest = today + LONGEST_TERM
    if must_follow < deadline <= latest:
        return
    message = (
        f"the new deadline must be after {must_follow} (the task's deadline and today) "
        f"and at most {latest} (180 days from today)"
    )
    raise unprocessable(
        message,
        code="deadline-out-of-range",
        errors=[{"loc": ["body", "deadline"], "msg": message, "type": "deadline_out_of_range"}],
    )


async def extend_deadline(
    ctx: Context, rectification_id: uuid.UUID, body: DeadlineIn
) -> RectificationDetailOut:
    """The checker (the province for a round's task) sets a later deadline on a task not yet accepted."""
    require_tier(ctx.actor, *workflow.CHECKER_TIERS)
    require_role(ctx.actor, access.WRITER_ROLE)
    lo, hi = ctx.actor.subtree
    task = await repository.get(ctx.session, rectification_id, lo, hi, lock=True)
    if task is None:
        raise not_found("rectification")
    require_tier(ctx.actor, task["checker_tier"])
    if RectificationStatus(task["status"]) not in workflow.OPEN:
        raise conflict("the task is accepted: its deadline no longer runs", code="rectification-accepted")
    _check_new_deadline(task, body.deadline)
    await repository.add_deadline_change(
        ctx.session,
        {
            "id": uuid.uuid4(),
            "rectification_id": rectification_id,
            "previous_deadline": task["deadline"],
            "deadline": body.deadline,
            "reason": body.reason,
            "extended_by": ctx.actor.subject,
        },
    )
    changed = await repository.change(
        ctx.session, rectification_id, {"deadline": body.deadline, "updated_by": ctx.actor.subject}
    )
    event = events.rectification_deadline_extended(changed, task["deadline"], body.reason, ctx.actor)
    told = events.deadline_for_assignee(changed, task["deadline"], body.reason, ctx.actor)
    await record_changes(ctx.session, [event, *told])
    return await _detail(ctx, changed)
