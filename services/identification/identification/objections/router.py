from __future__ import annotations

import uuid
from dataclasses import replace

from fastapi import APIRouter, Query
from starlette.responses import Response

from fupin_kit import openapi_scope as scope
from fupin_kit.db import DbSession
from identification import clock, idempotency, keyset
from identification import matrix_examples as examples
from identification.context import SYSTEM_ACTOR, Context
from identification.deps import Ctx
from identification.idempotency import IdempotencyKey
from identification.objections import service
from identification.objections.schemas import ObjectionIn, ObjectionOut, ResolutionIn, TicketOut

router = APIRouter(prefix="/objections", tags=["objections"])
public_router = APIRouter(prefix="/public/notices", tags=["public notice board"])


@public_router.post(
    "/{notice_id}/objections",
    status_code=201,
    response_model=ObjectionOut,
    openapi_extra=scope.public(
        example=examples.OBJECTION,
        created_by="POST /notices",
        id_param="notice_id",
        params={"case_id": "case_ids.0"},
    ),
)
async def object_to(
    notice_id: uuid.UUID, body: ObjectionIn, session: DbSession, key: IdempotencyKey = None
) -> Response:
    """Anyone may object while a notice runs; no login (the gateway rate-limits this route). A retried
    submission with the same Idempotency-Key answers the first ticket instead of opening a second."""
    ctx = Context(session, SYSTEM_ACTOR, await clock.now(session))
    # Anonymous callers have no subject of their own: keys are scoped to the notice.
    owner = replace(SYSTEM_ACTOR, subject=f"{service.PUBLIC}:{notice_id}")
    return await idempotency.run(
        session,
        owner,
        key,
        ("object", notice_id, body),
        lambda: service.submit(ctx, notice_id, body, service.PUBLIC),
        201,
    )


@router.post(
    "/{ticket_id}/resolve",
    response_model=TicketOut,
    openapi_extra=scope.by_resource(
        "POST /public/notices/{notice_id}/objections", "ticket_id", example=examples.RESOLUTION
    ),
)
async def resolve(ticket_id: uuid.UUID, body: ResolutionIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("resolve", ticket_id, body),
        lambda: service.resolve(ctx, ticket_id, body),
    )


@router.get("", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def search(
    ctx: Ctx,
    response: Response,
    status: str | None = Query(default=None, pattern="^(open|upheld|dismissed)$"),
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[TicketOut]:
    """The tickets of the caller's jurisdiction, the one due first first, in keyset pages."""
    return keyset.answer(response, await service.search(ctx, status, after, limit))
