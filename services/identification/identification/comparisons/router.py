from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from fupin_kit import body_limits
from fupin_kit import openapi_scope as scope
from fupin_kit.auth import client_scopes
from fupin_kit.settings import KitSettings
from identification import idempotency
from identification import matrix_examples as examples
from identification.comparisons import service
from identification.comparisons.schemas import HitOut, HitResolutionIn, PushIn, PushOut
from identification.deps import Ctx
from identification.idempotency import IdempotencyKey

router = APIRouter(prefix="/comparisons", tags=["department comparison"])


@router.post(
    "/pushes",
    status_code=201,
    max_body_size=body_limits.LIST_MAX_BYTES,
    response_model=PushOut,
    openapi_extra=scope.merge(scope.caller(examples.PUSH), client_scopes.operation(service.PUSH_OPERATION)),
)
async def push(body: PushIn, ctx: Ctx, request: Request, key: IdempotencyKey = None) -> Response:
    """A departmental system pushes its list; IDs become blind indexes on arrival."""
    settings: KitSettings = request.app.state.settings
    cipher = settings.pii_cipher()
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("push", body), lambda: service.push(ctx, body, cipher), 201
    )


# A hit exists once a department list matches a member of an open case (the first one found is resolved).
@router.get("/hits", openapi_extra=scope.caller(level="village", prepare=examples.HIT_FOUND))
async def hits(
    ctx: Ctx,
    case_id: uuid.UUID | None = None,
    status: str | None = Query(default=None, pattern="^(open|cleared|confirmed)$"),
) -> list[HitOut]:
    return await service.search(ctx, case_id, status)


@router.post(
    "/hits/{hit_id}/resolve",
    response_model=HitOut,
    openapi_extra=scope.by_resource(
        "GET /comparisons/hits", "hit_id", id_field="0.id", example=examples.HIT_RESOLUTION
    ),
)
async def resolve(hit_id: uuid.UUID, body: HitResolutionIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("hit", hit_id, body), lambda: service.resolve(ctx, hit_id, body)
    )
