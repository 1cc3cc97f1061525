from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from starlette.responses import Response

from assistance import idempotency
from assistance import matrix_examples as examples
from assistance.codes import MeasureStatus, MeasureType
from assistance.deps import Ctx
from assistance.idempotency import IdempotencyKey
from assistance.measures import service
from assistance.measures.schemas import MeasureIn, MeasureOut, ProgressIn, SignOffIn
from fupin_kit import division_keyset as keyset
from fupin_kit import openapi_scope as scope

router = APIRouter(tags=["measures"])
MEASURE = "POST /households/{household_id}/measures"


@router.post(
    "/households/{household_id}/measures",
    status_code=201,
    response_model=MeasureOut,
    openapi_extra=scope.by_resource(
        examples.HOUSEHOLD,
        "household_id",
        example=examples.MEASURE,
        prepare=[examples.REGISTER_HOUSEHOLD],
    ),
)
async def add(household_id: uuid.UUID, body: MeasureIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Add a measure (帮扶措施) to the household's set, planned. Village cadres, township and county officers;
    the household must be registered, returned or monitored (409 household-status)."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("measure", household_id, body),
        lambda: service.add(ctx, household_id, body),
        status=201,
    )


@router.get(
    "/households/{household_id}/measures", openapi_extra=scope.by_resource(examples.HOUSEHOLD, "household_id")
)
async def measures_of(household_id: uuid.UUID, ctx: Ctx) -> list[MeasureOut]:
    """The household's set of measures, in the order they were added."""
    return await service.of_household(ctx, household_id)


@router.post(
    "/measures/{measure_id}/progress",
    response_model=MeasureOut,
    openapi_extra=scope.by_resource(MEASURE, "measure_id", example=examples.PROGRESS),
)
async def progress(measure_id: uuid.UUID, body: ProgressIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Move the measure on: planned → in_progress → completed (with its result), or cancelled (with the
    reason); 409 invalid-transition otherwise."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("progress", measure_id, body),
        lambda: service.progress(ctx, measure_id, body),
    )


@router.post(
    "/measures/{measure_id}/sign-off",
    response_model=MeasureOut,
    openapi_extra=scope.by_resource(MEASURE, "measure_id", example=examples.SIGN_OFF),
)
async def sign_off(measure_id: uuid.UUID, body: SignOffIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Record the household's sign-off of a completed measure's result (409 measure-not-completed before,
    409 already-signed-off the second time)."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("sign-off", measure_id, body),
        lambda: service.sign_off(ctx, measure_id, body),
    )


@router.get("/measures", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def search(
    ctx: Ctx,
    response: Response,
    division: str | None = Query(
        default=None,
        pattern=r"^[0-9]{12}$",
        description="A division within the caller's jurisdiction (the caller's own by default).",
    ),
    status: MeasureStatus | None = None,
    type: MeasureType | None = None,
    overdue: bool = Query(
        default=False,
        description="Only those past their deadline (China time) and neither completed nor cancelled.",
    ),
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[MeasureOut]:
    """The measures of the households in a subtree of the caller's jurisdiction, in keyset pages."""
    return keyset.answer(response, await service.search(ctx, division, status, type, overdue, after, limit))
