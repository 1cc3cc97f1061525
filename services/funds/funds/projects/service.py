"""The county project library (项目库, domain.md §6): projects proposed by villages, townships and counties,
moved through the lifecycle of funds.workflow, each step a history row and an event, audited
(fupin_kit.outbox.record_changes) in the step's own transaction; the public notice (公示) readable without
a login and kept after it ends."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from funds import access, events, workflow
from funds.allocations import repository as allocations
from funds.allocations import service as allocation_rules
from funds.codes import AcceptanceResult, Category, EvaluationGrade
from funds.context import Context, step_for
from funds.projects import evaluation, repository
from funds.projects.schemas import (
    ApiAction,
    CompletionEvaluationIn,
    ProjectFilter,
    ProjectIn,
    ProjectOut,
    PublicNotice,
    StepIn,
)
from funds.supervision import service as supervision
from fupin_kit import civil_time
from fupin_kit import division_keyset as keyset
from fupin_kit.auth.actor import Actor
from fupin_kit.envelope import Envelope
from fupin_kit.outbox import record_changes
from fupin_kit.pii import mask_text, mask_texts
from fupin_kit.problems import ProblemError, conflict, not_found, unprocessable

S, A = workflow.Status, workflow.Action
Row = dict[str, Any]
# What officers typed: read above the county with any personal number in it masked.
TYPED = ("name", "responsible_unit", "tasks", "pro_poor_mechanism")


# ---- rendering -------------------------------------------------------------------------------------------


def _notice_out(notice: Row | None, today: dt.date) -> dict[str, Any] | None:
    if notice is None:
        return None
    return {
        "starts_on": notice["starts_on"],
        "ends_on": notice["ends_on"],
        "running": today < notice["ends_on"],
    }


def _history_out(actor: Actor, rows: list[Row]) -> list[Row]:
    if actor.sees_full_identity:
        return rows
    return [{**row, "detail": mask_texts(row["detail"])} for row in rows]


def _version_out(actor: Actor, row: Row) -> Row:
    typed = {"indicators": row["indicators"], "reason": row["reason"]}
    shown = typed if actor.sees_full_identity else mask_texts(typed)
    return {**row, **shown, "grade_label": EvaluationGrade(row["grade"]).label}


def _evaluation_out(actor: Actor, versions: list[Row] | None) -> Row | None:
    """The current version with the ones it replaced (`versions`: newest first)."""
    if not versions:
        return None
    current, *replaced = versions
    return {**_version_out(actor, current), "replaced": [_version_out(actor, row) for row in replaced]}


def render(
    actor: Actor,
    project: Row,
    notice: Row | None,
    history: list[Row] | None = None,
    evaluations: list[Row] | None = None,
) -> ProjectOut:
    status = S(project["status"])
    allowed = workflow.allowed_actions(status)
    permitted = [
        action.value
        for action in allowed
        if workflow.permits(workflow.transition(status, action), actor.tiers_held, actor.roles)
    ]
    shown = project if actor.sees_full_identity else {**project, **mask_texts({k: project[k] for k in TYPED})}
    acceptance = project["acceptance"]
    if acceptance is not None and not actor.sees_full_identity:
        acceptance = mask_texts(acceptance)
    return ProjectOut.model_validate(
        {
            **{key: shown[key] for key in ProjectOut.model_fields if key in shown},
            "performance_target": shown["performance_target"],
            "acceptance": acceptance,
            "beneficiaries": {
                "households": project["beneficiary_households"],
                "people": project["beneficiary_people"],
                "household_ids": project["beneficiary_household_ids"] if actor.sees_full_identity else None,
            },
            "notice": _notice_out(notice, civil_time.china_today()),
            "allowed_actions": [action.value for action in allowed],
            "permitted_actions": permitted,
            "history": None if history is None else _history_out(actor, history),
            "completion_evaluation": _evaluation_out(actor, evaluations),
        }
    )


# ---- proposal --------------------------------------------------------------------------------------------


def financing_mismatch(body: ProjectIn) -> ProblemError | None:
    """422 unless the sources add up to the budget exactly (Decimal arithmetic: no binary rounding)."""
    total = sum((item.amount for item in body.financing), Decimal("0"))
    if total == body.budget:
        return None
    return unprocessable(
        f"the financing adds up to {total} yuan, the budget is {body.budget} yuan: they must be equal",
        code="financing-mismatch",
        errors=[
            {
                "loc": ["body", "financing"],
                "msg": f"the sources add up to {total}, not to the budget {body.budget}",
                "type": "financing_mismatch",
            }
        ],
    )


def _history_row(
    ctx: Context, project_id: uuid.UUID, action: str, before: str | None, after: str, detail: Row
) -> Row:
    return {
        "project_id": project_id,
        "action": action,
        "from_status": before,
        "to_status": after,
        "actor": ctx.actor.subject,
        "actor_tier": ctx.actor.tier,
        "detail": detail,
    }


async def propose(ctx: Context, body: ProjectIn) -> ProjectOut:
    access.require_proposer(ctx.actor)
    access.require_place(ctx.actor, body.division)
    problem = financing_mismatch(body)
    if problem is not None:
        raise problem
    draws = await allocation_rules.check_draws(ctx, body)
    values = body.model_dump(mode="json", exclude={"beneficiaries", "financing"})
    project = await repository.add(
        ctx.session,
        {
            **values,
            "id": uuid.uuid4(),
            "starts_on": body.starts_on,
            "ends_on": body.ends_on,
            "budget": body.budget,
            # A line without an allocation is stored as before (old clients' projects read the same).
            "financing": [line.model_dump(mode="json", exclude_none=True) for line in body.financing],
            "beneficiary_households": body.beneficiaries.households,
            "beneficiary_people": body.beneficiaries.people,
            "beneficiary_household_ids": [str(item) for item in body.beneficiaries.household_ids],
            "status": S.PROPOSED.value,
            "proposed_by": ctx.actor.subject,
        },
    )
    await allocations.add_draws(
        ctx.session,
        [
            {"project_id": project["id"], "allocation_id": d["allocation_id"], "amount": d["amount"]}
            for d in draws
        ],
    )
    await repository.add_history(
        ctx.session, _history_row(ctx, project["id"], "propose", None, S.PROPOSED.value, {})
    )
    # Spending outside an allocation's categories is found at the county's approval, when money is
    # committed: a proposal commits none.
    await record_changes(ctx.session, [events.proposed(project, ctx.actor)])
    return render(ctx.actor, project, None, await repository.history_of(ctx.session, project["id"]))


# ---- steps -----------------------------------------------------------------------------------------------


async def load(ctx: Context, project_id: uuid.UUID, *, lock: bool = False) -> Row:
    lo, hi = ctx.actor.subtree
    project = await repository.get(ctx.session, project_id, lo, hi, lock=lock)
    if project is None:
        raise not_found("project")
    return project


def _required(field: str, what: str, code: str) -> ProblemError:
    """The 422 of a step's missing field; `code` is written out at each call (the console's labels are
    checked against the literal codes in the sources)."""
    return unprocessable(
        f"{what} is required for this step",
        code=code,
        errors=[{"loc": ["body", field], "msg": f"{what} is required", "type": "missing"}],
    )


def _acceptance(body: StepIn) -> Row:
    if body.acceptance is None:
        raise _required(
            "acceptance", "the acceptance record (date, result, inspectors)", code="acceptance-required"
        )
    today = civil_time.china_today()
    if body.acceptance.accepted_on > today:
        raise unprocessable(
            f"the acceptance cannot be dated after today ({today.isoformat()}, China time)",
            code="future-date",
            errors=[
                {"loc": ["body", "acceptance", "accepted_on"], "msg": "in the future", "type": "future_date"}
            ],
        )
    return body.acceptance.model_dump(mode="json")


def _reimbursement(project: Row, body: StepIn) -> Decimal:
    if body.amount is None:
        raise _required("amount", "the amount reimbursed", code="amount-required")
    if body.amount > project["budget"]:
        raise conflict(
            f"the reimbursement ({body.amount} yuan) is above the project's budget ({project['budget']} yuan)",
            code="over-budget",
            budget=str(project["budget"]),
            amount=str(body.amount),
        )
    return body.amount


async def _notice_ended(ctx: Context, project: Row) -> None:
    """A project enters the library only once its notice has come down."""
    notice = await repository.notice_of(ctx.session, project["id"])
    today = civil_time.china_today()
    if notice is not None and today < notice["ends_on"]:
        raise conflict(
            f"the project's public notice is up until {notice['ends_on'].isoformat()}: it enters the library "
            "after the notice ends",
            code="notice-running",
            ends_on=notice["ends_on"].isoformat(),
        )


async def advance(ctx: Context, project_id: uuid.UUID, api_action: ApiAction, body: StepIn) -> ProjectOut:
    action = A(api_action.value)
    project = await load(ctx, project_id, lock=True)
    before = S(project["status"])
    step = step_for(ctx, before, action)  # 409 / 403 before any step-specific check
    if action in workflow.NEEDS_REASON and body.reason is None:
        raise _required("reason", "a reason", code="reason-required")
    detail: Row = {key: value for key, value in (("reason", body.reason), ("notes", body.notes)) if value}
    extra: Row = {}
    event: Envelope
    target = step.target
    if action is A.ACCEPT:
        acceptance = _acceptance(body)
        detail["acceptance"] = acceptance
        if acceptance["result"] == AcceptanceResult.FAILED.value:
            return await _failed_acceptance(ctx, project, detail, acceptance)
        extra["acceptance"] = acceptance
    if action is A.REIMBURSE:
        amount = _reimbursement(project, body)
        detail["amount"] = str(amount)
        extra["reimbursed_amount"] = amount
    if action is A.ENTER_LIBRARY:
        await _notice_ended(ctx, project)
    if action is A.COUNTY_APPROVE:
        await allocation_rules.commit_draws(ctx, project_id)
    moved = await repository.move(ctx.session, project_id, target.value, extra)
    if action is A.POST_NOTICE:
        notice = await _post_notice(ctx, moved, body.notice_days)
        detail["notice"] = {
            "starts_on": notice["starts_on"].isoformat(),
            "ends_on": notice["ends_on"].isoformat(),
        }
        event = events.noticed(moved, before.value, notice["starts_on"], notice["ends_on"], ctx.actor)
    else:
        event = events.step(
            moved,
            action.value,
            before.value,
            ctx.actor,
            body.reason,
            extra.get("reimbursed_amount"),
            extra.get("acceptance"),
        )
    await repository.add_history(
        ctx.session, _history_row(ctx, project_id, action.value, before.value, target.value, detail)
    )
    # The step's event first: a consumer reads the findings of a project step it has seen.
    await record_changes(ctx.session, [event, *await _findings_of_step(ctx, action, project_id)])
    return await _read(ctx, moved)


async def _findings_of_step(ctx: Context, action: workflow.Action, project_id: uuid.UUID) -> list[Envelope]:
    """The county's approval commits the money (outside-category raised); a rejection voids what was
    raised, since the project will never spend it."""
    if action is A.COUNTY_APPROVE:
        raised = await supervision.check_project(ctx, project_id)
        return [events.finding_raised(row, ctx.actor) for row in raised]
    if action is A.REJECT:
        return await supervision.void_for_rejected(ctx, project_id)
    return []


async def _post_notice(ctx: Context, project: Row, days: int) -> Row:
    starts_on = civil_time.china_today()
    return await repository.add_notice(
        ctx.session,
        {
            "project_id": project["id"],
            "division": project["division"],
            "starts_on": starts_on,
            "ends_on": starts_on + dt.timedelta(days=days),
            "posted_by": ctx.actor.subject,
        },
    )


async def _failed_acceptance(ctx: Context, project: Row, detail: Row, acceptance: Row) -> ProjectOut:
    """A failed 验收 is on the record (history and event) and the project stays in implementation."""
    status = project["status"]
    await repository.add_history(
        ctx.session, _history_row(ctx, project["id"], "fail_acceptance", status, status, detail)
    )
    event = events.step(project, "fail_acceptance", status, ctx.actor, acceptance=acceptance)
    await record_changes(ctx.session, [event])
    return await _read(ctx, project)


# ---- reads -----------------------------------------------------------------------------------------------


async def _read(ctx: Context, project: Row) -> ProjectOut:
    notice = await repository.notice_of(ctx.session, project["id"])
    history = await repository.history_of(ctx.session, project["id"])
    evaluations = await repository.evaluations_of(ctx.session, project["id"])
    return render(ctx.actor, project, notice, history, evaluations)


async def evaluate(ctx: Context, project_id: uuid.UUID, body: CompletionEvaluationIn) -> ProjectOut:
    """The completion evaluation of an accepted project (funds.projects.evaluation)."""
    access.require_county_officer(ctx.actor)
    project = await load(ctx, project_id, lock=True)
    await evaluation.evaluate(ctx, project, body)
    return await _read(ctx, project)


async def read(ctx: Context, project_id: uuid.UUID) -> ProjectOut:
    return await _read(ctx, await load(ctx, project_id))


async def search(
    ctx: Context, division: str | None, filters: ProjectFilter, after: str | None, limit: int
) -> keyset.Page[ProjectOut]:
    lo, hi = access.subtree(ctx.actor, division)
    narrowed = {
        column: value
        for column, value in (
            ("status", filters.status),
            ("year", filters.year),
            ("category", filters.category),
        )
        if value is not None
    }
    rows = await repository.page(ctx.session, lo, hi, keyset.decode(after), limit, narrowed)
    notices = await repository.notices_of(ctx.session, [row["id"] for row in rows[:limit]])
    return keyset.page(rows, limit, lambda row: render(ctx.actor, row, notices.get(row["id"])), "id")


# ---- the public board ------------------------------------------------------------------------------------


def _public_evaluation(row: Row, evaluation_row: Row | None) -> Row | None:
    """Shown once the project is announced (公告): its results are then public."""
    if evaluation_row is None or row["status"] != S.ANNOUNCED.value:
        return None
    return {
        **evaluation_row,
        "indicators": mask_texts(evaluation_row["indicators"]),
        "grade_label": EvaluationGrade(evaluation_row["grade"]).label,
    }


def public_notice(row: Row, evaluation_row: Row | None = None) -> PublicNotice:
    """What the board shows. Typed texts are read with any personal number in them masked: the board is
    public, whoever typed a phone into a unit's name."""
    return PublicNotice.model_validate(
        {
            **row,
            "project_id": row["id"],
            "name": mask_text(row["name"]),
            "responsible_unit": mask_text(row["responsible_unit"]),
            "performance_target": mask_texts(row["performance_target"]),
            "category_label": Category(row["category"]).label,
            "running": civil_time.china_today() < row["ends_on"],
            "completion_evaluation": _public_evaluation(row, evaluation_row),
        }
    )


async def public_read(session: AsyncSession, project_id: uuid.UUID) -> PublicNotice:
    row = await repository.public_notice(session, project_id)
    if row is None:
        raise not_found("project notice")
    evaluations = await repository.current_evaluations(session, [project_id])
    return public_notice(row, evaluations.get(project_id))


async def public_search(
    session: AsyncSession, division: str, year: int | None, after: str | None, limit: int
) -> keyset.Page[PublicNotice]:
    lo, hi = access.public_subtree(division)
    rows = await repository.public_page(session, lo, hi, year, keyset.decode(after), limit)
    evaluations = await repository.current_evaluations(session, [row["id"] for row in rows[:limit]])
    return keyset.page(rows, limit, lambda row: public_notice(row, evaluations.get(row["id"])), "id")
