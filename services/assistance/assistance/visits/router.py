from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from starlette.responses import Response

from assistance import idempotency
from assistance import matrix_examples as examples
from assistance.deps import Ctx
from assistance.idempotency import IdempotencyKey
from assistance.visits import service
from assistance.visits.schemas import VisitIn, VisitOut
from fupin_kit import division_keyset as keyset
from fupin_kit import openapi_scope as scope

router = APIRouter(tags=["visits"])


@router.post(
    "/households/{household_id}/visits",
    status_code=201,
    response_model=VisitOut,
    openapi_extra=scope.by_resource(examples.HOUSEHOLD, "household_id", example=examples.VISIT),
)
async def log(household_id: uuid.UUID, body: VisitIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Log a visit (走访记录) to the household: a home visit, a phone call or another contact. Village cadres,
    township and county officers; the household must be registered, returned or monitored (409
    household-status)."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("visit", household_id, body),
        lambda: service.log(ctx, household_id, body),
        status=201,
    )


@router.get(
    "/households/{household_id}/visits",
    openapi_extra=scope.by_resource(examples.HOUSEHOLD, "household_id"),
    responses=keyset.NEXT_CURSOR_HEADER,
)
async def visits_of(
    household_id: uuid.UUID,
    ctx: Ctx,
    response: Response,
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[VisitOut]:
    """The household's visits, newest first, in keyset pages."""
    return keyset.answer(response, await service.read(ctx, household_id, after, limit))
