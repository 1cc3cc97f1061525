from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from starlette.responses import Response

from evaluation import idempotency
from evaluation import matrix_examples as examples
from evaluation.codes import RectificationAction, RectificationStatus
from evaluation.deps import Ctx
from evaluation.idempotency import IdempotencyKey
from evaluation.rectifications import service
from evaluation.rectifications.schemas import DeadlineIn, RectificationDetailOut, RectificationOut, StepIn
from fupin_kit import division_keyset as keyset
from fupin_kit import openapi_scope as scope

router = APIRouter(tags=["rectifications"])


@router.post(
    "/rectifications/{rectification_id}/steps/{action}",
    response_model=RectificationOut,
    openapi_extra=scope.by_resource(
        examples.CLOSE, "rectification_id", id_field="rectifications.0", example=examples.STEP
    ),
)
async def take_step(
    rectification_id: uuid.UUID,
    action: RectificationAction,
    body: StepIn,
    ctx: Ctx,
    key: IdempotencyKey = None,
) -> Response:
    """Move the task on: start (an officer of its `worker_tier`: open → in_progress; the county may name an
    `assignee`, a township or village of its own), submit (the worker or the assignee's officers, with what
    was done in `note`: → submitted), accept (an officer of its `checker_tier`: → accepted) or return (the
    checker, with the reason in `note`: → in_progress). An evaluation round's task is worked by the county
    and checked by the province; an assessment's by the assessee and the assessor. 409 invalid-transition
    out of order; 403 for the wrong tier; 422 not-an-assignee (see rectifications/workflow.py)."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("rectification-step", rectification_id, action.value, body),
        lambda: service.step(ctx, rectification_id, action, body),
    )


@router.get("/rectifications", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def search(
    ctx: Ctx,
    response: Response,
    division: str | None = Query(
        default=None,
        pattern=r"^[0-9]{12}$",
        description="A division within the caller's jurisdiction (the caller's own by default).",
    ),
    status: RectificationStatus | None = None,
    overdue: bool = Query(default=False, description="Only those past their deadline and not accepted."),
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[RectificationOut]:
    """The rectification tasks (整改) within a subtree of the caller's jurisdiction, in keyset pages."""
    return keyset.answer(response, await service.search(ctx, division, status, overdue, after, limit))


@router.get(
    "/rectifications/{rectification_id}",
    response_model=RectificationDetailOut,
    openapi_extra=scope.by_resource(examples.CLOSE, "rectification_id", id_field="rectifications.0"),
)
async def get(rectification_id: uuid.UUID, ctx: Ctx) -> RectificationDetailOut:
    """One task (of the caller's jurisdiction, or assigned within it) with its deadline's history."""
    return await service.get(ctx, rectification_id)


@router.post(
    "/rectifications/{rectification_id}/deadline",
    response_model=RectificationDetailOut,
    openapi_extra=scope.by_resource(
        examples.CLOSE, "rectification_id", id_field="rectifications.0", example=examples.DEADLINE
    ),
)
async def extend_deadline(
    rectification_id: uuid.UUID, body: DeadlineIn, ctx: Ctx, key: IdempotencyKey = None
) -> Response:
    """Extend a task's deadline (officers of its `checker_tier`: the province for a round's task) to a
    later day, at most 180 days from today, with the reason: 422 deadline-out-of-range, 409
    rectification-accepted once accepted. Each extension is kept in the task's `deadline_history`."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("rectification-deadline", rectification_id, body),
        lambda: service.extend_deadline(ctx, rectification_id, body),
    )
