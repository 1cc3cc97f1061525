from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from starlette.responses import Response

from fupin_kit import body_limits
from fupin_kit import openapi_scope as scope
from identification import idempotency, keyset
from identification import matrix_examples as examples
from identification.batches import service
from identification.batches.schemas import (
    BatchAction,
    BatchIn,
    BatchOut,
    BatchStatus,
    BatchSummary,
    DecisionIn,
    WithdrawalIn,
)
from identification.deps import Ctx
from identification.idempotency import IdempotencyKey

router = APIRouter(prefix="/batches", tags=["batch decisions"])


@router.post(
    "",
    status_code=201,
    response_model=BatchOut,
    openapi_extra=scope.by_division(
        location="body", example=examples.BATCH, prepare=examples.READY_FOR_BATCH
    ),
)
async def draw(body: BatchIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Freeze a list and draw its spot-check sample (seeded by the batch id, recorded)."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("batch", body), lambda: service.draw(ctx, body), 201
    )


@router.get("", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def search(
    ctx: Ctx,
    response: Response,
    division: str | None = Query(default=None, pattern=r"^[0-9]{12}$"),
    action: BatchAction | None = None,
    status: BatchStatus | None = None,
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(default=100, ge=1, le=500),
) -> list[BatchSummary]:
    """The batches drawn in the caller's jurisdiction, newest first, decided or still open, in keyset
    pages."""
    found = await service.search(
        ctx,
        division,
        None if action is None else action.value,
        None if status is None else status.value,
        after,
        limit,
    )
    return keyset.answer(response, found)


@router.get("/{batch_id}", openapi_extra=scope.by_resource("POST /batches", "batch_id"))
async def read(batch_id: uuid.UUID, ctx: Ctx) -> BatchOut:
    return await service.read(ctx, batch_id)


@router.post(
    "/{batch_id}/decide",
    response_model=BatchOut,
    max_body_size=body_limits.LIST_MAX_BYTES,
    openapi_extra=scope.by_resource(
        "POST /batches", "batch_id", params={"findings.0.case_id": "sample.0"}, example=examples.DECISION
    ),
)
async def decide(batch_id: uuid.UUID, body: DecisionIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Record the spot-check findings and decide the whole list in one set-based statement."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("decide", batch_id, body), lambda: service.decide(ctx, batch_id, body)
    )


@router.post(
    "/{batch_id}/withdraw",
    response_model=BatchOut,
    openapi_extra=scope.by_resource("POST /batches", "batch_id", example=examples.WITHDRAWAL),
)
async def withdraw(batch_id: uuid.UUID, body: WithdrawalIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Withdraw a draw nobody will decide, with a reason (the deciding tier): its list may be drawn again."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("withdraw-batch", batch_id, body),
        lambda: service.withdraw(ctx, batch_id, body),
    )
