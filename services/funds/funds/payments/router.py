from __future__ import annotations

from fastapi import APIRouter, Query
from starlette.responses import Response

from funds import idempotency
from funds import matrix_examples as examples
from funds.deps import Ctx
from funds.idempotency import IdempotencyKey
from funds.payments import service
from funds.payments.schemas import PERIOD_PATTERN, BenefitListItem, PaymentIn, PaymentOut
from funds.projects.schemas import DIVISION_PATTERN
from fupin_kit import division_keyset as keyset
from fupin_kit import openapi_scope as scope
from fupin_kit.db import DbSession

router = APIRouter(prefix="/payments", tags=["payments"])
public_router = APIRouter(prefix="/public/benefit-lists", tags=["public notice board"])


@router.post(
    "",
    status_code=201,
    response_model=PaymentOut,
    openapi_extra=scope.by_resource(
        examples.HOUSEHOLD, "household_id", location="body", example=examples.PAYMENT
    ),
)
async def record(body: PaymentIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Record a payment to a household's 一卡通 account (到户资金; training and student aid: to the member),
    by a county officer, for a household of its county (404 otherwise, or while the registry's events have
    not reached funds yet). It is checked at once and recorded even when a check fails (the money left):
    its `findings` say what was found. The same household, member, benefit and period a second time: 409
    duplicate-benefit without an Idempotency-Key; with a key of its own it is recorded and flagged as a
    duplicate (重复享受)."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("record-payment", body),
        lambda: service.record(ctx, body, keyed=key is not None),
        201,
    )


@public_router.get("", openapi_extra=scope.public(), responses=keyset.NEXT_CURSOR_HEADER)
async def benefit_list(
    session: DbSession,
    response: Response,
    division: str = Query(pattern=DIVISION_PATTERN, description="A village (422 for another level)."),
    period: str | None = Query(default=None, pattern=PERIOD_PATTERN),
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[BenefitListItem]:
    """A village's per-household benefit list (公示, domain.md §6), no login: the head's name masked
    (张**), the benefit, its standard, the amount and the period; no ids, no accounts."""
    return keyset.answer(response, await service.benefit_list(session, division, period, after, limit))
