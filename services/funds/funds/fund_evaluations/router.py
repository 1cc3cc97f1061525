from __future__ import annotations

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from funds import idempotency
from funds.deps import Ctx
from funds.fund_evaluations import service
from funds.fund_evaluations.schemas import FundEvaluationOut, FundEvaluationsOut
from funds.idempotency import IdempotencyKey
from funds.projects.schemas import DIVISION_PATTERN
from funds.text import EARLIEST_YEAR
from fupin_kit import openapi_scope as scope

router = APIRouter(prefix="/fund-evaluations", tags=["fund evaluations"])


@router.get("", openapi_extra=scope.caller())
async def search(
    ctx: Ctx,
    year: int = Query(ge=EARLIEST_YEAR, le=2100),
    division: str | None = Query(
        default=None,
        pattern=DIVISION_PATTERN,
        description="A division within the caller's jurisdiction (the caller's own by default).",
    ),
) -> FundEvaluationsOut:
    """The special fund evaluation (专项资金绩效评价) of every county of the subtree with data in the year (the
    county and above): received, used and the spending rate, the project completion rate, the indicator
    achievement (mean completion-evaluation score), open findings and their amount, a composite out of
    100 (weights: spending 30, completion 30, achievement 30, findings 10) and its grade. A figure without
    data is null with its reason. A frozen county answers its frozen figures and when they were frozen."""
    return await service.search(ctx, division, year)


@router.post(
    "/{county}/{year}/freeze",
    status_code=201,
    response_model=FundEvaluationOut,
    openapi_extra=scope.by_division(param="county", location="path", level="county"),
)
async def freeze(
    ctx: Ctx,
    county: str = Path(pattern=DIVISION_PATTERN, description="A county within the caller's jurisdiction."),
    year: int = Path(ge=EARLIEST_YEAR, le=2100),
    key: IdempotencyKey = None,
) -> Response:
    """Freeze the county's evaluation of the year as computed now (an officer of its city or province; a
    city without counties counts as a county, 422 not-a-county otherwise), once the year has ended in
    China (409 year-not-ended before): 409 already-frozen the second time. Publishes fund_evaluation.frozen."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("freeze", county, year),
        lambda: service.freeze(ctx, county, year),
        201,
    )
