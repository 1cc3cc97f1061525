from __future__ import annotations

from fastapi import APIRouter, Path
from starlette.responses import Response

from fupin_kit import openapi_scope as scope
from identification import idempotency
from identification import matrix_examples as examples
from identification.deps import Ctx
from identification.idempotency import IdempotencyKey
from identification.quotas import service
from identification.quotas.schemas import AdjustmentOut, QuotaIn, QuotaOut

router = APIRouter(prefix="/quotas", tags=["quotas"])
DivisionPath = Path(pattern=r"^[0-9]{12}$")
# The matrix reads the village quota it set (a quota that does not exist is a 404 for everyone).
QUOTA = scope.by_resource("PUT /quotas", "division", id_field="division", params={"year": "year"})


@router.put(
    "",
    response_model=QuotaOut,
    openapi_extra=scope.by_division(location="body", example=examples.QUOTA, prepare=examples.QUOTA_CHAIN),
)
async def set_quota(body: QuotaIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Set or adjust a quota of people (人, the poor population it may register; by the tier above the
    division); every change is recorded with who and why."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("quota", body), lambda: service.set_quota(ctx, body)
    )


@router.get("/{division}/{year}", openapi_extra=QUOTA)
async def read_quota(ctx: Ctx, division: str = DivisionPath, year: int = Path(ge=2013, le=2100)) -> QuotaOut:
    return await service.read_quota(ctx, division, year)


@router.get("/{division}/{year}/children", openapi_extra=QUOTA)
async def child_quotas(
    ctx: Ctx, division: str = DivisionPath, year: int = Path(ge=2013, le=2100)
) -> list[QuotaOut]:
    """The year's quotas of the divisions directly under this one (those that have one, in code order),
    each with the people its counted cases hold: the decomposition of this division's quota."""
    return await service.read_child_quotas(ctx, division, year)


@router.get("/{division}/{year}/adjustments", openapi_extra=QUOTA)
async def adjustments(
    ctx: Ctx, division: str = DivisionPath, year: int = Path(ge=2013, le=2100)
) -> list[AdjustmentOut]:
    return await service.list_adjustments(ctx, division, year)
