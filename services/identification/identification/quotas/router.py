from __future__ import annotations

from fastapi import APIRouter, Path
from starlette.responses import Response

from fupin_kit import openapi_scope as scope
from identification import idempotency
from identification.deps import Ctx
from identification.idempotency import IdempotencyKey
from identification.quotas import service
from identification.quotas.schemas import AdjustmentOut, QuotaIn, QuotaOut

router = APIRouter(prefix="/quotas", tags=["quotas"])
DivisionPath = Path(pattern=r"^\d{12}$")


@router.put(
    "",
    response_model=QuotaOut,
    openapi_extra=scope.by_division(
        location="body",
        example={"division": "520102016001", "year": 2024, "amount": 10, "reason": "年度名额"},
    ),
)
async def set_quota(body: QuotaIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Set or adjust a quota (by the tier above the division); every change is recorded with who and why."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("quota", body), lambda: service.set_quota(ctx, body)
    )


@router.get("/{division}/{year}", openapi_extra=scope.by_division("division", "path"))
async def read_quota(ctx: Ctx, division: str = DivisionPath, year: int = Path(ge=2013, le=2100)) -> QuotaOut:
    return await service.read_quota(ctx, division, year)


@router.get("/{division}/{year}/adjustments", openapi_extra=scope.by_division("division", "path"))
async def adjustments(
    ctx: Ctx, division: str = DivisionPath, year: int = Path(ge=2013, le=2100)
) -> list[AdjustmentOut]:
    return await service.list_adjustments(ctx, division, year)
