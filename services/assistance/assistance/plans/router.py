from __future__ import annotations

import uuid

from fastapi import APIRouter
from starlette.responses import Response

from assistance import idempotency
from assistance import matrix_examples as examples
from assistance.deps import Ctx
from assistance.idempotency import IdempotencyKey
from assistance.plans import service
from assistance.plans.schemas import PlanIn, PlanOut, PlansOut
from fupin_kit import openapi_scope as scope

router = APIRouter(tags=["plans"])


@router.put(
    "/households/{household_id}/plan",
    response_model=PlanOut,
    openapi_extra=scope.by_resource(examples.HOUSEHOLD, "household_id", example=examples.PLAN),
)
async def put_plan(household_id: uuid.UUID, body: PlanIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Set the household's plan (脱贫计划), or replace it with a new version (a reason required then; the
    earlier version is kept). Village cadres, township and county officers; the household must be
    registered, returned or monitored (409 household-status)."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("plan", household_id, body),
        lambda: service.put(ctx, household_id, body),
    )


@router.get(
    "/households/{household_id}/plan", openapi_extra=scope.by_resource(examples.HOUSEHOLD, "household_id")
)
async def plan_of(household_id: uuid.UUID, ctx: Ctx) -> PlansOut:
    """The household's current plan and its earlier versions, newest first."""
    return await service.read(ctx, household_id)
