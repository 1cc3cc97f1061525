from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from starlette.responses import Response

from funds import idempotency
from funds import matrix_examples as examples
from funds.codes import Category
from funds.deps import Ctx
from funds.idempotency import IdempotencyKey
from funds.projects import service
from funds.projects.schemas import (
    DIVISION_PATTERN,
    ApiAction,
    CompletionEvaluationIn,
    ProjectFilter,
    ProjectIn,
    ProjectOut,
    PublicNotice,
    StepIn,
)
from funds.workflow import Status
from fupin_kit import division_keyset as keyset
from fupin_kit import openapi_scope as scope
from fupin_kit.db import DbSession

router = APIRouter(prefix="/projects", tags=["projects"])
public_router = APIRouter(prefix="/public/project-notices", tags=["public notice board"])
ON_PROJECT = scope.by_resource("POST /projects", "project_id")
AFTER = Query(default=None, max_length=200, description=keyset.AFTER)
YEAR = Query(default=None, ge=2013, le=2100)


@router.post(
    "",
    status_code=201,
    response_model=ProjectOut,
    openapi_extra=scope.by_division(location="body", example=examples.PROJECT),
)
async def propose(body: ProjectIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Propose a project to the county's library (status proposed): a village cadre for its village, a
    township or county officer for a village or township of its jurisdiction. The financing's sources add up
    to the budget (422 financing-mismatch); the performance target (绩效目标) and the pro-poor mechanism
    (带贫机制) are required."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("propose", body), lambda: service.propose(ctx, body), 201
    )


@router.get("", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def search(
    ctx: Ctx,
    response: Response,
    division: str | None = Query(
        default=None,
        pattern=DIVISION_PATTERN,
        description="A division within the caller's jurisdiction (the caller's own by default).",
    ),
    status: Status | None = Query(default=None),
    year: int | None = YEAR,
    category: Category | None = Query(default=None),
    after: str | None = AFTER,
    limit: int = Query(100, ge=1, le=500),
) -> list[ProjectOut]:
    """The projects of a subtree of the caller's jurisdiction, in keyset pages (`Next-Cursor`)."""
    filters = ProjectFilter(
        status=None if status is None else status.value,
        year=year,
        category=None if category is None else category.value,
    )
    return keyset.answer(response, await service.search(ctx, division, filters, after, limit))


@router.get("/{project_id}", openapi_extra=ON_PROJECT)
async def read(project_id: uuid.UUID, ctx: Ctx) -> ProjectOut:
    """The project with its history, every step oldest first."""
    return await service.read(ctx, project_id)


@router.post(
    "/{project_id}/steps/{action}",
    response_model=ProjectOut,
    openapi_extra=scope.by_resource("POST /projects", "project_id", example=examples.STEP),
)
async def step(
    project_id: uuid.UUID, action: ApiAction, body: StepIn, ctx: Ctx, key: IdempotencyKey = None
) -> Response:
    """One step of the lifecycle; out of order → 409 (a reimbursement before the acceptance: 409
    payment-before-acceptance), wrong tier or role → 403. reject needs a reason; post_notice takes
    notice_days (10–60, 10 by default); enter_library waits for the notice to end (409 notice-running);
    accept needs the acceptance record (a failed one is recorded and the project stays implementing);
    reimburse needs the amount, at most the budget (409 over-budget)."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("step", project_id, action, body),
        lambda: service.advance(ctx, project_id, action, body),
    )


@router.put(
    "/{project_id}/completion-evaluation",
    response_model=ProjectOut,
    openapi_extra=scope.by_resource("POST /projects", "project_id", example=examples.COMPLETION_EVALUATION),
)
async def evaluate(
    project_id: uuid.UUID, body: CompletionEvaluationIn, ctx: Ctx, key: IdempotencyKey = None
) -> Response:
    """The completion evaluation (竣工绩效评价) of a project accepted or later (409 project-not-accepted
    before; a county officer): per indicator of the performance target, in its order (422
    indicators-mismatch), the value achieved and whether it was met. Where the target is a number with a
    direction (≥ 2000元, 不低于95%, 至少, 最多, 大于, 小于 …) `met` is computed from the actual number (422
    actual-not-a-number unless the actual holds exactly one) and a contradicting claim refused (422 met-contradicts-target). score = indicators met /
    indicators × 100, one decimal, half-up; grade 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 below. Sent again it
    corrects the evaluation, with a reason (422 correction-reason-required), keeping the version replaced."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("evaluate", project_id, body),
        lambda: service.evaluate(ctx, project_id, body),
    )


@public_router.get("", openapi_extra=scope.public(), responses=keyset.NEXT_CURSOR_HEADER)
async def public_search(
    session: DbSession,
    response: Response,
    division: str = Query(pattern=DIVISION_PATTERN, description="Any division: its subtree's notices."),
    year: int | None = YEAR,
    after: str | None = AFTER,
    limit: int = Query(50, ge=1, le=200),
) -> list[PublicNotice]:
    """The project notices (公示) of a division's subtree, running and ended: no login, no personal data."""
    return keyset.answer(response, await service.public_search(session, division, year, after, limit))


@public_router.get(
    "/{project_id}", openapi_extra=scope.public(created_by="POST /projects", id_param="project_id")
)
async def public_read(project_id: uuid.UUID, session: DbSession) -> PublicNotice:
    """A project's notice (404 before the county posts it); it stays readable after it ends."""
    return await service.public_read(session, project_id)
