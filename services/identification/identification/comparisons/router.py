from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from fupin_kit.settings import KitSettings
from identification import idempotency
from identification.comparisons import service
from identification.comparisons.schemas import HitOut, HitResolutionIn, PushIn, PushOut
from identification.deps import Ctx
from identification.idempotency import IdempotencyKey

router = APIRouter(prefix="/comparisons", tags=["department comparison"])


@router.post("/pushes", status_code=201, response_model=PushOut)
async def push(body: PushIn, ctx: Ctx, request: Request, key: IdempotencyKey = None) -> Response:
    """A departmental system pushes its list; IDs become blind indexes on arrival."""
    settings: KitSettings = request.app.state.settings
    cipher = settings.pii_cipher()
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("push", body), lambda: service.push(ctx, body, cipher), 201
    )


@router.get("/hits")
async def hits(
    ctx: Ctx,
    case_id: uuid.UUID | None = None,
    status: str | None = Query(default=None, pattern="^(open|cleared|confirmed)$"),
) -> list[HitOut]:
    return await service.search(ctx, case_id, status)


@router.post("/hits/{hit_id}/resolve", response_model=HitOut)
async def resolve(hit_id: uuid.UUID, body: HitResolutionIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("hit", hit_id, body), lambda: service.resolve(ctx, hit_id, body)
    )
